using PushConsole.Credentials;
using PushConsole.Persistence;
using PushConsole.Templates;

namespace PushConsole.Sending;

/// <summary>What a message of a template needs from the recipient before it may be sent.</summary>
public readonly record struct CredentialNeed
{
    private CredentialNeed(bool required, int? grantTemplateId)
    {
        Required = required;
        GrantTemplateId = grantTemplateId;
    }

    /// <summary>False for official account templates: followers need no credential.</summary>
    public bool Required { get; }

    /// <summary>The template a subscribe grant must be for; null for formIds/prepay_ids.</summary>
    public int? GrantTemplateId { get; }

    /// <summary>What the pool is asked for to meet the need.</summary>
    public CredentialDemand Demand => GrantTemplateId is { } templateId ? CredentialDemand.SubscribeGrant(templateId) : CredentialDemand.TemplateMessage;

    public static CredentialNeed None { get; } = new(false, null);
    public static CredentialNeed FormId { get; } = new(true, null);
    public static CredentialNeed Grant(int templateId) => new(true, templateId);

    public static CredentialNeed Of(MessageTemplate template) => template.Kind switch
    {
        TemplateKind.MiniProgramTemplate => FormId,
        TemplateKind.Subscribe => Grant(template.Id),
        _ => None,
    };

    public override string ToString() => !Required ? "none" : GrantTemplateId is { } id ? $"grant of template {id}" : "formId or prepay_id";
}

/// <summary>One use of a recipient's credential, claimed for one ledger row.</summary>
/// <param name="Value">The form_id to send (formId or prepay_id); null for subscribe grants.</param>
public sealed record HeldCredential(long Id, string OpenId, string? Value, DateTimeOffset? ExpiresAt);

/// <summary>What WeChat's answer means for a claimed credential.</summary>
public enum CredentialVerdict
{
    /// <summary>The message was not delivered for a reason unrelated to the credential: its use goes back to the pool.</summary>
    Release = 1,
    /// <summary>41028: invalid, expired or another user's.</summary>
    Invalid = 2,
    /// <summary>41029: used up.</summary>
    Used = 3,
    /// <summary>43101: the user has no grant of the template left; all of theirs are dropped.</summary>
    DropGrant = 4,
}

public sealed record CredentialSettlement(HeldCredential Credential, CredentialVerdict Verdict);

/// <summary>
/// The campaign's view of the credential pool: claims in batches, settles in batches. Claimed uses stay attached to
/// their ledger row until settled, so a resend after a crash or a hold reuses the same credential.
/// </summary>
public interface ICredentialSource
{
    /// <summary>Claims one use for each user (at most one per user), earliest-expiring first; users with none are absent.</summary>
    Task<IReadOnlyList<HeldCredential>> ClaimAsync(int accountId, IReadOnlyCollection<string> openIds, CredentialNeed need, CancellationToken cancellationToken);

    /// <summary>
    /// As <see cref="ClaimAsync(int, IReadOnlyCollection{string}, CredentialNeed, CancellationToken)"/>, on
    /// <paramref name="db"/>'s connection inside its open transaction, whose owner holds the write turn (a ledger take's,
    /// see <see cref="Ledger.ITakeClaims"/>): the claims commit with that transaction and its rollback undoes them.
    /// </summary>
    Task<IReadOnlyList<HeldCredential>> ClaimAsync(PushConsoleDbContext db, int accountId, IReadOnlyCollection<string> openIds, CredentialNeed need,
        CancellationToken cancellationToken);

    /// <summary>Gives claimed uses back (nothing was sent with them) inside <paramref name="db"/>'s open transaction.</summary>
    Task ReleaseAsync(PushConsoleDbContext db, IReadOnlyCollection<HeldCredential> claims, CancellationToken cancellationToken);

    /// <summary>The credentials ledger rows already hold (a resend), by id; ids no longer in the pool are absent.</summary>
    Task<IReadOnlyList<HeldCredential>> FindAsync(IReadOnlyCollection<long> credentialIds, CancellationToken cancellationToken);

    Task SettleAsync(IReadOnlyList<CredentialSettlement> settlements, CancellationToken cancellationToken);
}

/// <summary>Who the account's users are, as far as audiences need to know.</summary>
public interface IAudienceDirectory
{
    /// <summary>Users the console knows for the account: those who logged in or reported a credential.</summary>
    Task<IReadOnlyList<string>> KnownUsersAsync(int accountId, CancellationToken cancellationToken);

    /// <summary>Users holding at least one usable credential for the need right now.</summary>
    Task<IReadOnlyList<string>> UsersWithUsableCredentialAsync(int accountId, CredentialNeed need, CancellationToken cancellationToken);

    /// <summary>Users who checked in at or after <paramref name="since"/>.</summary>
    Task<IReadOnlyList<string>> UsersCheckedInSinceAsync(int accountId, DateTimeOffset since, CancellationToken cancellationToken);
}
