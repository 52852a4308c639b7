using PushConsole.Ledger;
using PushConsole.Outcomes;

namespace PushConsole.Messages;

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<MessageState>))]
public enum MessageState
{
    /// <summary>Accepted, waiting for its send.</summary>
    Accepted = 0,
    /// <summary>Handed to WeChat; the answer is not written yet.</summary>
    Sending = 1,
    /// <summary>WeChat took it (msgid where WeChat gives one).</summary>
    Sent = 2,
    /// <summary>WeChat refused it (errcode and its meaning), or the console could not send it.</summary>
    Failed = 3,
    /// <summary>The user holds no usable credential for the template: nothing was sent.</summary>
    NoCredential = 4,
    /// <summary>Its run was canceled by a person before it went out.</summary>
    Canceled = 5,
}

/// <summary>A transactional message and its outcome, read from its ledger row.</summary>
public sealed record MessageStatus(
    long Id,
    int AccountId,
    int TemplateId,
    string OpenId,
    MessageState State,
    long? MsgId,
    int? ErrCode,
    string? ErrMsg,
    string? Meaning,
    string? IdempotencyKey,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    long? RunId)
{
    /// <summary>The outcome is known and will not change.</summary>
    public bool Final => State is MessageState.Sent or MessageState.Failed or MessageState.NoCredential or MessageState.Canceled;

    /// <summary>The state from the ledger row (and the run, when it failed before the row could be sent).</summary>
    internal static (MessageState State, int? ErrCode, string? ErrMsg) Of(DeliveryStatus? row, SkipReason skip, int? errCode, string? errMsg,
        RunStatus? run, string? runReason) => row switch
    {
        DeliveryStatus.Sent => (MessageState.Sent, null, null),
        DeliveryStatus.Failed => (MessageState.Failed, errCode, errMsg),
        DeliveryStatus.Skipped when skip == SkipReason.NoCredential => (MessageState.NoCredential, null, ServiceText.Get("Message.NoCredential")),
        DeliveryStatus.Skipped => (MessageState.Canceled, null, ServiceText.Get($"SkipReason.{skip}")),
        _ when run is RunStatus.Failed => (MessageState.Failed, errCode, ServiceText.Show(runReason) ?? errMsg),
        _ when run is RunStatus.Canceled => (MessageState.Canceled, null, ServiceText.Show(runReason)),
        DeliveryStatus.Sending => (MessageState.Sending, null, null),
        _ => (MessageState.Accepted, errCode, errMsg),
    };

    internal static string? MeaningOf(MessageState state, int? errCode) =>
        state == MessageState.Failed && errCode is not null ? ErrorCodeMeanings.Of(errCode) : null;
}

/// <summary>What the user holds for a template whose message needs a credential: why a message found none.</summary>
/// <param name="Usable">Credentials that would be used now.</param>
/// <param name="Expired">Past their 7 days.</param>
/// <param name="UsedUp">Every use spent.</param>
/// <param name="Invalid">Refused by WeChat (41028) or withdrawn (43101).</param>
/// <param name="GrantsForOtherTemplates">Usable subscribe grants the user gave for other templates.</param>
public sealed record CredentialHoldings(string Needs, int Usable, int Expired, int UsedUp, int Invalid, int GrantsForOtherTemplates)
{
    public string Describe() =>
        GrantsForOtherTemplates > 0
            ? ServiceText.Get("Message.NoUsableOtherGrants", Needs, Expired, UsedUp, Invalid, GrantsForOtherTemplates)
            : ServiceText.Get("Message.NoUsable", Needs, Expired, UsedUp, Invalid);
}
