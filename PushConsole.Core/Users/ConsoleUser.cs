using Microsoft.AspNetCore.Identity;

namespace PushConsole.Users;

/// <summary>A person who signs in to the console.</summary>
public sealed class ConsoleUser : IdentityUser
{
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>
/// The roles of the console. Admins configure accounts, templates and users; editors run pushes; senders are the app
/// backends' API tokens, which may only send transactional messages (POST /api/v1/messages) and read their status.
/// </summary>
public static class Roles
{
    public const string Admin = "Admin";
    public const string Editor = "Editor";
    public const string Sender = "Sender";
    public static readonly IReadOnlyList<string> All = [Admin, Editor, Sender];
}

/// <summary>Authorization policy names.</summary>
public static class Policies
{
    public const string AdminOnly = "AdminOnly";
    public const string Editor = "Editor";
}
