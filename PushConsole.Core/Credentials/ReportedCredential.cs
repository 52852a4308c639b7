namespace PushConsole.Credentials;

/// <summary>A formId or prepay_id as a mini program reported it, before validation.</summary>
/// <param name="ClientExpiry">The client's idea of when it expires; the pool keeps the earlier of this and receipt + 7 days.</param>
public sealed record ReportedCredential(string Value, CredentialKind Kind = CredentialKind.FormId, DateTimeOffset? ClientExpiry = null);

/// <summary>Why an id was not stored.</summary>
public static class RejectionReasons
{
    /// <summary>WeChat DevTools' placeholder "the formId is a mock one": never usable.</summary>
    public const string Mock = "mock";
    /// <summary>The client's expiry has already passed.</summary>
    public const string Expired = "expired";
    /// <summary>Not 1–128 printable ASCII characters without spaces.</summary>
    public const string Invalid = "invalid";
}

public sealed record RejectedCredential(string FormId, string Reason);

/// <summary>The outcome of one report, known only after the stored ids are committed.</summary>
public sealed record IntakeResult(int Accepted, int Duplicates, IReadOnlyList<RejectedCredential> Rejected);
