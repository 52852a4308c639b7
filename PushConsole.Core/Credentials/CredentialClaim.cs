namespace PushConsole.Credentials;

/// <summary>What a send needs: a formId/prepay_id (template messages) or a grant of one subscribe template.</summary>
public readonly record struct CredentialDemand
{
    private CredentialDemand(int? templateId) => TemplateId = templateId;

    /// <summary>The <see cref="Templates.MessageTemplate.Id"/> a grant must be for; null for formId/prepay_id demands.</summary>
    public int? TemplateId { get; }

    public bool IsGrant => TemplateId is not null;

    /// <summary>A legacy mini program template message: a formId or prepay_id of the user, earliest expiry first.</summary>
    public static CredentialDemand TemplateMessage { get; } = new(null);

    /// <summary>A subscribe message of this template: one of the user's grants for it.</summary>
    public static CredentialDemand SubscribeGrant(int templateId) => new(templateId);

    public override string ToString() => TemplateId is { } id ? $"grant of template {id}" : "formId or prepay_id";
}

/// <summary>
/// One use taken from a credential. The use is gone from the pool until the send settles: give it back with
/// <see cref="CredentialPool.ReleaseAsync"/> on a transient failure, or close the credential on 41028/41029.
/// </summary>
public sealed record CredentialClaim(
    long CredentialId,
    int AccountId,
    string OpenId,
    CredentialKind Kind,
    /// <summary>The form_id to send (formId or prepay_id); null for grants.</summary>
    string? Value,
    int? TemplateId,
    DateTimeOffset? ExpiresAt,
    /// <summary>Uses the credential has after this claim (0: it is now used up).</summary>
    int UsesLeft);

/// <summary>
/// How a send made with a claimed credential ended, as far as the pool is concerned. The WeChat client's
/// <see cref="WeChat.SendOutcome"/> maps onto it (<see cref="ClaimOutcomes.Of"/>); callers may pass that directly.
/// </summary>
public enum ClaimOutcome
{
    /// <summary>Delivered: the use stays spent.</summary>
    Sent = 1,
    /// <summary>Not delivered for a reason unrelated to the credential (-1, network, 45011...): the use goes back.</summary>
    TransientFailure = 2,
    /// <summary>41028: the formId is invalid, expired or not this user's. The credential is dropped; try the user's next one.</summary>
    CredentialInvalid = 3,
    /// <summary>41029: WeChat counts it used up. The credential is closed; try the user's next one.</summary>
    CredentialUsedUp = 4,
    /// <summary>43101: the user has no grant left for this template on WeChat's side; all their grants of it are dropped.</summary>
    GrantMissing = 5,
    /// <summary>Not delivered for a reason of the message or the user (40003, 47003...): the credential was not spent, the use goes back.</summary>
    RejectedForOtherReason = 6,
}

public static class ClaimOutcomes
{
    /// <summary>
    /// What a WeChat answer means for the credential: 41028 invalid, 41029 used up, 43101 no grant; a send that
    /// failed for any other reason (network, token, quota, template, data, recipient) did not spend the use.
    /// </summary>
    public static ClaimOutcome Of(WeChat.SendOutcome outcome) => outcome.Succeeded ? ClaimOutcome.Sent : outcome.Kind switch
    {
        WeChat.WeChatErrorKind.CredentialInvalid => ClaimOutcome.CredentialInvalid,
        WeChat.WeChatErrorKind.CredentialUsed => ClaimOutcome.CredentialUsedUp,
        WeChat.WeChatErrorKind.NoGrant => ClaimOutcome.GrantMissing,
        _ when outcome.IsRetryable => ClaimOutcome.TransientFailure,
        _ => ClaimOutcome.RejectedForOtherReason,
    };
}
