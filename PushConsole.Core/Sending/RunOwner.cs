using PushConsole.Accounts;
using PushConsole.Ledger;
using PushConsole.Templates;

namespace PushConsole.Sending;

/// <summary>
/// What a kind of run other than a campaign's brings to the one engine (<see cref="RunExecutor"/>): the message it
/// sends, and what the run's end means to whatever opened it (a channel's live-start reminder is notified, failed or
/// canceled with its run). Its audience is every follower of the account (<see cref="FollowerAudience"/>).
/// </summary>
public interface IRunOwner
{
    RunKind Kind { get; }

    /// <summary>The run's message, or why it cannot be sent (the run then fails with that reason).</summary>
    Task<(IRunMessage? Message, string? Problem)> PrepareAsync(DeliveryRun run, WeChatAccount account, MessageTemplate template,
        CancellationToken cancellationToken);

    /// <summary>
    /// The run ended (completed, canceled or failed), or an execution found it ended (the node that ended it may have
    /// died before telling): called again after a crash, so it must be harmless the second time.
    /// </summary>
    Task EndedAsync(DeliveryRun run, RunStatus status, string? reason, CancellationToken cancellationToken);
}
