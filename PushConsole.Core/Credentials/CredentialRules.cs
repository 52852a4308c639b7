namespace PushConsole.Credentials;

/// <summary>WeChat's rules for formIds and prepay_ids (facts sheet §3.2), in one place.</summary>
public static class CredentialRules
{
    /// <summary>What WeChat DevTools hands out instead of a real formId.</summary>
    public const string MockFormId = "the formId is a mock one";

    /// <summary>A formId or prepay_id lets the developer push within 7 days of the tap or payment.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);

    public static int UsesOf(CredentialKind kind) => kind switch
    {
        CredentialKind.FormId => 1,
        CredentialKind.PrepayId => 3,
        CredentialKind.SubscribeGrant => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>1–128 characters, each printable ASCII other than space (0x21–0x7E).</summary>
    public static bool IsWellFormed(string value)
    {
        if (value.Length is 0 or > Credential.MaxValueLength)
        {
            return false;
        }
        foreach (var c in value)
        {
            if (c is < '!' or > '~')
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The reason an id is refused, or null when it may be stored.</summary>
    public static string? RejectionOf(ReportedCredential reported, DateTimeOffset receivedAt)
    {
        if (reported.Value == MockFormId)
        {
            return RejectionReasons.Mock;
        }
        if (!IsWellFormed(reported.Value))
        {
            return RejectionReasons.Invalid;
        }
        if (reported.ClientExpiry is { } expiry && expiry <= receivedAt)
        {
            return RejectionReasons.Expired;
        }
        return null;
    }

    /// <summary>The earlier of the client's expiry and receipt + 7 days: a client may shorten the life, never extend it.</summary>
    public static DateTimeOffset ExpiryOf(ReportedCredential reported, DateTimeOffset receivedAt)
    {
        var latest = receivedAt + Lifetime;
        return reported.ClientExpiry is { } expiry && expiry < latest ? expiry : latest;
    }
}
