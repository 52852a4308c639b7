namespace PushConsole.Audit;

/// <summary>
/// Who is acting in the current flow of work: set by the web app around each API request and each circuit event of a
/// signed-in user, read by <see cref="AuditLog"/>. Ambient (like Activity.Current) because the services that change
/// things are shared singletons that serve every user.
/// </summary>
public static class AuditActor
{
    private static readonly AsyncLocal<string?> current = new();

    public static string? Current => current.Value;

    /// <summary>Makes <paramref name="name"/> the actor until the returned scope is disposed.</summary>
    public static IDisposable Use(string? name)
    {
        var previous = current.Value;
        current.Value = string.IsNullOrWhiteSpace(name) ? previous : name;
        return new Scope(previous);
    }

    private sealed class Scope(string? previous) : IDisposable
    {
        public void Dispose() => current.Value = previous;
    }
}
