using Microsoft.AspNetCore.Identity;

namespace PushConsole.Users;

/// <summary>A person who signs in to the console.</summary>
public sealed class ConsoleUser : IdentityUser
{
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>
    /// The IANA zone the user reads user-level times in (the audit log, API tokens, users' sign-ins); null: the
    /// browser's zone, else UTC. Account things stay in the account's zone.
    /// </summary>
    public string? TimeZone { get; set; }

    public DateTimeOffset? LastSignInAt { get; set; }

    public const int MaxTimeZoneLength = 64;
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

internal sealed class ConsoleUserConfiguration : Microsoft.EntityFrameworkCore.IEntityTypeConfiguration<ConsoleUser>
{
    public void Configure(Microsoft.EntityFrameworkCore.Metadata.Builders.EntityTypeBuilder<ConsoleUser> entity) =>
        entity.Property(u => u.TimeZone).HasMaxLength(ConsoleUser.MaxTimeZoneLength);
}
