namespace PushConsole.Users;

/// <summary>The <c>Bootstrap</c> section: the first admin and, for automation, an API token of theirs.</summary>
public sealed class BootstrapOptions
{
    public const string Section = "Bootstrap";
    public string AdminEmail { get; set; } = "admin@pushconsole.local";
    public string? AdminPassword { get; set; }
    /// <summary>A plain API token to register for the bootstrap admin (hashed on the way in).</summary>
    public string? ApiToken { get; set; }
}
