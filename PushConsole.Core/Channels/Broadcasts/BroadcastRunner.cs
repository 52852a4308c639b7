using Microsoft.EntityFrameworkCore;
using PushConsole.Ledger;
using PushConsole.Campaigns;
using PushConsole.Persistence;
using PushConsole.Sending;

namespace PushConsole.Channels.Broadcasts;

public enum BroadcastEnd
{
    /// <summary>The channel was not notifying (finished, canceled or deleted before this node got to it).</summary>
    NotNotifying,
    Completed,
    Canceled,
    Failed,
    /// <summary>This node stopped (shutdown); the broadcast resumes from its checkpoint on the next run.</summary>
    Interrupted,
    /// <summary>WeChat's daily quota (45009) is spent: the run is held until the account's next midnight, the channel stays notifying.</summary>
    Held,
}

/// <summary>
/// Runs (or resumes) the broadcast of a notifying channel's occurrence over the delivery ledger. The run is found by
/// its fire key, so a second fire, a restart or another node works on the same run; its state is all in the database
/// (cursor, audience-complete flag, ledger rows), so any of them can pick it up where it stands.
/// </summary>
public sealed class BroadcastRunner(
    IDbContextFactory<PushConsoleDbContext> contexts,
    DeliveryLedger ledger,
    WriteGate writes,
    RunStore runs,
    AccountPauses pauses,
    ReminderTransitions transitions,
    BroadcastProgress progress,
    IBroadcastGatewayFactory gateways,
    IOptions<ChannelOptions> options,
    IOptions<PushConsole.Scheduling.SchedulerOptions> scheduler,
    TimeProvider time,
    ILogger<BroadcastRunner> logger)
{
    private readonly string node = PushConsole.Scheduling.ClusterNode.NameOf(scheduler.Value);

    public async Task<BroadcastEnd> RunAsync(int channelId, CancellationToken cancellationToken)
    {
        Channel? channel;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            channel = await db.Channels.AsNoTracking().Include(c => c.Account).SingleOrDefaultAsync(c => c.Id == channelId, cancellationToken);
        }
        if (channel is not { ReminderStatus: ReminderStatus.Notifying })
        {
            return BroadcastEnd.NotNotifying;
        }

        var run = await ledger.OpenRunAsync(new DeliveryRun
        {
            Kind = RunKind.Broadcast,
            FireKey = Channel.FireKeyOf(channel.Id, channel.Occurrence),
            Name = $"{channel.Name} · reminder #{channel.Occurrence}",
            AccountId = channel.AccountId,
            TemplateId = channel.TemplateId ?? 0,
            ChannelId = channel.Id,
            Status = RunStatus.Running,
            StartedAt = time.GetUtcNow(),
        }, cancellationToken);
        await transitions.AttachRunAsync(channel.Id, channel.Occurrence, run.Id, cancellationToken);
        await ledger.EnsureTallyAsync(run.Id, cancellationToken);

        switch (run.Status)
        {
            // The run ended but the channel was not told (the node died in between): tell it now.
            case RunStatus.Completed:
                await ledger.RecountAsync(run.Id, cancellationToken);
                await FinishChannelAsync(channel, ReminderStatus.Notified, (await progress.CountsAsync(run.Id, cancellationToken))?.Summary);
                return BroadcastEnd.Completed;
            case RunStatus.Canceled:
                await FinishChannelAsync(channel, ReminderStatus.Canceled, run.StatusReason);
                return BroadcastEnd.Canceled;
            case RunStatus.Failed:
                await FinishChannelAsync(channel, ReminderStatus.Failed, run.StatusReason);
                return BroadcastEnd.Failed;
        }

        if (run.Status == RunStatus.Held)
        {
            if (run.HeldUntil > time.GetUtcNow())
            {
                return BroadcastEnd.Held;
            }
            await transitions.ResumeHeldRunAsync(run.Id, CancellationToken.None);
        }

        var (gateway, problem) = await gateways.CreateAsync(channel, cancellationToken);
        if (gateway is null)
        {
            await ledger.SkipPendingAsync(run.Id, SkipReason.Canceled, CancellationToken.None);
            await transitions.EndRunAsync(run.Id, RunStatus.Failed, problem, CancellationToken.None);
            await ledger.RecountAsync(run.Id, CancellationToken.None);
            await FinishChannelAsync(channel, ReminderStatus.Failed, problem);
            return BroadcastEnd.Failed;
        }

        var localDay = LocalDay(channel.Account?.TimeZone);
        var calendar = channel.Account is { } account && AccountCalendar.Resolve(account.TimeZone) is not null
            ? AccountCalendar.Of(account)
            : AccountCalendar.Of(new PushConsole.Accounts.WeChatAccount { TimeZone = "UTC" });
        var execution = new BroadcastExecution(contexts, ledger, writes, runs, pauses, calendar, gateway, options.Value, time, logger, channel, run, localDay);
        logger.LogInformation("Node {Node} joins the reminder broadcast of channel {ChannelId} (run {RunId})", node, channel.Id, run.Id);
        var end = await execution.RunAsync(cancellationToken);
        // Each node says what it did itself, so the share of a broadcast between the nodes of a cluster shows in the logs.
        logger.LogInformation("Node {Node} left the broadcast of run {RunId} ({End}): this node sent {Sent}, failed {Failed}, put back {Retried} for a retry, recorded {Pages} page(s) of followers",
            node, run.Id, end.Kind, execution.SentHere, execution.FailedHere, execution.RetriedHere, execution.PagesHere);
        switch (end.Kind)
        {
            case BroadcastEnd.Completed:
                await ledger.RecountAsync(run.Id, CancellationToken.None);
                await transitions.EndRunAsync(run.Id, RunStatus.Completed, null, CancellationToken.None);
                var summary = (await progress.CountsAsync(run.Id, CancellationToken.None))?.Summary;
                await transitions.SetRunReasonAsync(run.Id, summary, CancellationToken.None);
                await FinishChannelAsync(channel, ReminderStatus.Notified, summary);
                logger.LogInformation("Reminder broadcast of channel {ChannelId} occurrence {Occurrence} completed: {Summary}",
                    channel.Id, channel.Occurrence, summary);
                break;
            case BroadcastEnd.Canceled:
                await ledger.SkipPendingAsync(run.Id, SkipReason.Canceled, CancellationToken.None);
                await transitions.EndRunAsync(run.Id, RunStatus.Canceled, end.Reason, CancellationToken.None);
                await ledger.RecountAsync(run.Id, CancellationToken.None);
                // Canceled from the channel already; a run canceled on its own takes the channel along.
                await FinishChannelAsync(channel, ReminderStatus.Canceled, end.Reason);
                logger.LogInformation("Reminder broadcast of channel {ChannelId} stopped: {Reason}", channel.Id, end.Reason);
                break;
            case BroadcastEnd.Held:
                // The rest goes out after the account's next midnight; the channel stays notifying meanwhile.
                await transitions.HoldRunAsync(run.Id, end.Until!.Value, end.Reason!, CancellationToken.None);
                logger.LogWarning("Reminder broadcast of channel {ChannelId} held: {Reason}", channel.Id, end.Reason);
                break;
            case BroadcastEnd.Failed:
                await ledger.SkipPendingAsync(run.Id, SkipReason.Canceled, CancellationToken.None);
                await ledger.RecountAsync(run.Id, CancellationToken.None);
                var counts = await progress.CountsAsync(run.Id, CancellationToken.None);
                var reason = $"{end.Reason} Stopped after {counts?.Sent ?? 0:N0} sent.";
                await transitions.EndRunAsync(run.Id, RunStatus.Failed, reason, CancellationToken.None);
                await FinishChannelAsync(channel, ReminderStatus.Failed, reason);
                logger.LogWarning("Reminder broadcast of channel {ChannelId} failed: {Reason}", channel.Id, reason);
                break;
        }
        return end.Kind;
    }

    private Task FinishChannelAsync(Channel channel, ReminderStatus status, string? reason) =>
        transitions.MoveAsync(channel.Id, channel.Occurrence, ReminderStatus.Notifying, status, reason, CancellationToken.None);

    private DateOnly LocalDay(string? timeZone)
    {
        var now = time.GetUtcNow();
        var zone = ChannelTime.Zone(timeZone) ?? TimeZoneInfo.Utc;
        return DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
    }
}
