using PushConsole.WeChat;

namespace PushConsole.Sending;

/// <summary>What a run does when WeChat refuses a send. Every kind of run follows the same table (<see cref="WeChatErrorPolicy"/>).</summary>
public enum ErrorAction
{
    /// <summary>
    /// The client retries at once with exponential backoff and jitter (WeChat:MaxRetries); if it keeps failing, the row
    /// goes back to pending for a later take, and fails with the errcode after the run's MaxAttempts takes.
    /// </summary>
    Retry,
    /// <summary>The client fetches a new access token and sends once more; if that fails too, as <see cref="Retry"/>.</summary>
    RefreshToken,
    /// <summary>The credential is spent or invalid: it is closed and the user's next credential is tried (bounded).</summary>
    NextCredential,
    /// <summary>This message to this recipient fails with the errcode; the run goes on.</summary>
    FailRecipient,
    /// <summary>Sending for the account pauses briefly on this node (the row goes back to pending) and continues on its own.</summary>
    PauseAccount,
    /// <summary>The run is held (its rows kept pending) until the next midnight in the account's time zone, then continues.</summary>
    HoldAccount,
    /// <summary>Every other message would fail the same way: the run fails (rows not sent stay pending for a resume).</summary>
    FailRun,
}

/// <summary>One row of the error table: WeChat's errcodes of one kind and what a run does about them.</summary>
public sealed record ErrorRule(WeChatErrorKind Kind, string ErrCodes, ErrorAction Action, string Why);

/// <summary>
/// The one WeChat error policy of the console: errcode (through its <see cref="WeChatErrorKind"/>) to action, used by
/// every run (campaigns and channel reminders alike). docs/error-policy.md shows the same table; a test checks they
/// agree and runs each row against the simulator's fault injection.
/// </summary>
public static class WeChatErrorPolicy
{
    public static IReadOnlyList<ErrorRule> Rules { get; } =
    [
        new(WeChatErrorKind.Transient, "-1, HTTP 5xx, timeout, network", ErrorAction.Retry, "WeChat was busy or unreachable; the same send may succeed soon"),
        new(WeChatErrorKind.TokenInvalid, "40001, 40014, 42001", ErrorAction.RefreshToken, "the access token was superseded, malformed or expired"),
        new(WeChatErrorKind.CredentialInvalid, "41028", ErrorAction.NextCredential, "the formId/prepay_id is invalid, expired or another user's"),
        new(WeChatErrorKind.CredentialUsed, "41029", ErrorAction.NextCredential, "the formId/prepay_id was used up (on a resend with the same one: most likely delivered, so the row fails instead)"),
        new(WeChatErrorKind.NoGrant, "43101", ErrorAction.FailRecipient, "the user has no subscribe grant for the template left; the user's grants of it are dropped"),
        new(WeChatErrorKind.NotFollowing, "43004", ErrorAction.FailRecipient, "the recipient does not follow the official account (counted as unfollowed)"),
        new(WeChatErrorKind.InvalidRecipient, "40003", ErrorAction.FailRecipient, "the openid is not a user of this app"),
        new(WeChatErrorKind.BadData, "47003", ErrorAction.FailRecipient, "a value rendered for this recipient breaks its field's rule"),
        new(WeChatErrorKind.Other, "any other errcode", ErrorAction.FailRecipient, "unknown to the console: this message fails, the credential is given back"),
        new(WeChatErrorKind.RateLimited, "45011", ErrorAction.PauseAccount, "the per-minute limit was reached"),
        new(WeChatErrorKind.QuotaExceeded, "45009", ErrorAction.HoldAccount, "the daily quota of the API is spent"),
        new(WeChatErrorKind.BadTemplate, "40037", ErrorAction.FailRun, "the template id is wrong or deleted"),
        new(WeChatErrorKind.Configuration, "40013, 40125, 40164, 48001", ErrorAction.FailRun, "the account is refused (appid, secret, IP whitelist, API not authorised); fix it and resume"),
        new(WeChatErrorKind.Retired, "45103, 45109", ErrorAction.FailRun, "WeChat retired the API"),
    ];

    private static readonly Dictionary<WeChatErrorKind, ErrorRule> ByKind = Rules.ToDictionary(r => r.Kind);

    /// <summary>The rule for a failure.</summary>
    public static ErrorRule RuleFor(WeChatError error) => ByKind.GetValueOrDefault(error.Kind) ?? ByKind[WeChatErrorKind.Other];

    public static ErrorAction ActionFor(WeChatError error) => RuleFor(error).Action;
}
