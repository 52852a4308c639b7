using PushConsole.Accounts;
using PushConsole.Ledger;
using PushConsole.Templates;

namespace PushConsole.Sending;

/// <summary>
/// What a kind of run other than a campaign's brings to the one engine (<see cref="RunExecutor"/>): the message it
/// sends and the rules it is sent under, and what the run's end means to whatever opened it (a channel's live-start
/// reminder is notified, failed or canceled with its run; a transactional message calls back its account's webhook).
/// A run whose audience is not complete when it starts is read from the account's followers (<see cref="FollowerAudience"/>).
/// </summary>
public interface IRunOwner
{
    RunKind Kind { get; }

    /// <summary>The run's message and rules, or why it cannot be sent (the run then fails with that reason).</summary>
    Task<RunPreparation> PrepareAsync(DeliveryRun run, WeChatAccount account, MessageTemplate template, CancellationToken cancellationToken);

    /// <summary>
    /// The run ended (completed, canceled or failed), or an execution found it ended (the node that ended it may have
    /// died before telling): called again after a crash, so it must be harmless the second time.
    /// </summary>
    Task EndedAsync(DeliveryRun run, RunStatus status, string? reason, CancellationToken cancellationToken);

    /// <summary>The preparations of several runs executed together (<see cref="RunExecutor.ExecuteManyAsync"/>), by run id.</summary>
    async Task<IReadOnlyDictionary<long, RunPreparation>> PrepareAsync(IReadOnlyList<DeliveryRun> runs, WeChatAccount account,
        MessageTemplate template, CancellationToken cancellationToken)
    {
        var prepared = new Dictionary<long, RunPreparation>(runs.Count);
        foreach (var run in runs)
        {
            prepared[run.Id] = await PrepareAsync(run, account, template, cancellationToken);
        }
        return prepared;
    }

    /// <summary>Several runs executed together ended the same way (<see cref="EndedAsync(DeliveryRun, RunStatus, string?, CancellationToken)"/>).</summary>
    async Task EndedAsync(IReadOnlyList<DeliveryRun> runs, RunStatus status, CancellationToken cancellationToken)
    {
        foreach (var run in runs)
        {
            await EndedAsync(run, status, null, cancellationToken);
        }
    }
}

/// <summary>
/// A run's message and the rules the engine sends it under, decided by what opened the run: a campaign keeps the
/// account's quiet hours and its own daily cap per user; a live-start reminder and a transactional message keep neither
/// (one goes out before the live whatever the hour, the other answers what the user just did); a transactional message
/// is urgent (ahead of bulk sends on the account's shared rate).
/// </summary>
public sealed record RunPreparation(IRunMessage? Message, string? Problem = null, bool QuietHours = false, int? DailyCapPerUser = null,
    bool Urgent = false)
{
    public static RunPreparation Unsendable(string problem) => new(null, problem);
}
