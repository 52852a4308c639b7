using PushConsole.Accounts;
using PushConsole.Sending;
using PushConsole.WeChat;

namespace PushConsole.Sending;

internal enum VerdictKind
{
    Sent,
    Failed,
    Skipped,
    /// <summary>WeChat refused the credential (41028/41029): settle it and try the user's next one.</summary>
    NextCredential,
    /// <summary>Not sent (or not known to be sent): back to Pending, keeping the credential, for a later take.</summary>
    Requeue,
}

/// <summary>What to do with one ledger row after an attempt, and whether the run must stop.</summary>
internal readonly record struct SendVerdict(
    VerdictKind Kind,
    int? ErrCode = null,
    string? ErrMsg = null,
    long? MsgId = null,
    Ledger.SkipReason SkipReason = Ledger.SkipReason.None,
    CredentialVerdict? Credential = null,
    RunStop? Stop = null,
    bool PauseAccount = false)
{
    public static SendVerdict NotSent { get; } = new(VerdictKind.Requeue);
}

/// <summary>
/// Turns WeChat's answer into the ledger row's fate by the one error policy (<see cref="WeChatErrorPolicy"/>); what is
/// particular to credentials (which verdict settles the credential) is decided here.
/// </summary>
internal sealed class SendVerdicts(SendingOptions options, AccountCalendar calendar, TimeProvider time)
{
    public SendVerdict Judge(SendOutcome outcome, WorkItem item)
    {
        if (outcome.Succeeded)
        {
            return new SendVerdict(VerdictKind.Sent, MsgId: outcome.MsgId);
        }
        var error = outcome.Error;
        var code = error.ErrCode;
        var message = error.ErrMsg;
        switch (WeChatErrorPolicy.ActionFor(error))
        {
            case ErrorAction.NextCredential:
                var verdict = error.Kind == WeChatErrorKind.CredentialUsed ? CredentialVerdict.Used : CredentialVerdict.Invalid;
                if (error.Kind == WeChatErrorKind.CredentialUsed && item.Resend)
                {
                    // This row sent with this formId before an interruption: WeChat saying it is used means that
                    // send most likely arrived. Another credential would deliver a second message.
                    return new SendVerdict(VerdictKind.Failed, code,
                        "formId already used: most likely delivered before the run was interrupted; not sent again",
                        Credential: verdict);
                }
                return item.CredentialTries < options.MaxCredentialTries
                    ? new SendVerdict(VerdictKind.NextCredential, code, message, Credential: verdict)
                    : new SendVerdict(VerdictKind.Failed, code, message, Credential: verdict);
            case ErrorAction.HoldAccount:
                var tomorrow = calendar.NextMidnight(time.GetUtcNow());
                return new SendVerdict(VerdictKind.Requeue, code, message, Stop: new RunStop(RunStopKind.Hold,
                    $"WeChat's daily quota is used up (45009); held until {calendar.Describe(tomorrow)}.", tomorrow));
            case ErrorAction.PauseAccount:
                // The row goes back without counting against its attempts' purpose; the senders wait out the pause.
                return new SendVerdict(VerdictKind.Requeue, code, message, PauseAccount: true);
            case ErrorAction.Retry:
            case ErrorAction.RefreshToken:
                // The client already retried with backoff; the row goes back for a later take, a few times at most.
                return item.Attempts < options.MaxAttempts
                    ? new SendVerdict(VerdictKind.Requeue, code, message)
                    : new SendVerdict(VerdictKind.Failed, code, message, Credential: CredentialVerdict.Release);
            case ErrorAction.FailRun:
                // Every other message of the run would fail the same way: the run fails, this row stays unsent (with
                // its credential) like the others, for a resume after the fix.
                return new SendVerdict(VerdictKind.Requeue, code, message, Stop: new RunStop(RunStopKind.Fail,
                    error.Kind == WeChatErrorKind.Configuration
                        ? ServiceText.Stored("Run.AccountRefused", code, message)
                        : ServiceText.Stored("Run.TemplateRefused", code, message)));
            default:
                // 43101 takes the user's grants of the template along; 40003, 43004, 47003 and the unknown give the
                // credential back (it was not spent).
                return new SendVerdict(VerdictKind.Failed, code, message,
                    Credential: error.Kind == WeChatErrorKind.NoGrant ? CredentialVerdict.DropGrant : CredentialVerdict.Release);
        }
    }
}
