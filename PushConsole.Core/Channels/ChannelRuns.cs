using Microsoft.EntityFrameworkCore;
using PushConsole.Accounts;
using PushConsole.Ledger;
using PushConsole.Persistence;
using PushConsole.Sending;
using PushConsole.Templates;
using PushConsole.WeChat;

namespace PushConsole.Channels;

/// <summary>
/// A channel's live-start reminder as a run of the one send engine (<see cref="RunExecutor"/>): one run per
/// occurrence (fire key <c>channel:{id}:occurrence:{n}</c>, kind Broadcast) whose audience is every follower of the
/// channel's account, read through user/get (<see cref="FollowerAudience"/>). This class opens the run when the
/// reminder fires, gives the engine the reminder's message, and moves the channel with the run's end: completed →
/// notified (with the summary), canceled → canceled, failed → failed (the rest not sent). A held run (45009) leaves
/// the channel notifying.
/// </summary>
public sealed class ChannelRuns(
    IDbContextFactory<PushConsoleDbContext> contexts,
    DeliveryLedger ledger,
    ReminderTransitions transitions,
    BroadcastProgress progress,
    RunScheduler scheduler,
    TemplateRenderer renderer,
    ILogger<ChannelRuns> logger) : IRunOwner
{
    public RunKind Kind => RunKind.Broadcast;

    /// <summary>Opens (or finds) the run of the channel's current occurrence, records it on the channel and starts it.</summary>
    public async Task<DeliveryRun> StartAsync(Channel channel, CancellationToken cancellationToken = default)
    {
        var run = await ledger.OpenRunAsync(new DeliveryRun
        {
            Kind = RunKind.Broadcast,
            FireKey = Channel.FireKeyOf(channel.Id, channel.Occurrence),
            // No words of one language in a stored name: it is listed and searched as it is, whoever reads it.
            Name = $"{channel.Name} · #{channel.Occurrence}",
            AccountId = channel.AccountId,
            TemplateId = channel.TemplateId ?? 0,
            ChannelId = channel.Id,
            Status = RunStatus.Pending,
        }, cancellationToken);
        await transitions.AttachRunAsync(channel.Id, channel.Occurrence, run.Id, cancellationToken);
        await ledger.EnsureTallyAsync(run.Id, cancellationToken);
        await scheduler.StartRunAsync(run.Id, cancellationToken: cancellationToken);
        return run;
    }

    /// <summary>
    /// After a restart: every notifying channel has its run started (a crash may have come between the fire and the
    /// run), and a run that ended without the channel being told tells it when its execution finds it ended.
    /// </summary>
    public async Task ResumeNotifyingAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var notifying = await db.Channels.AsNoTracking().Where(c => c.ReminderStatus == ReminderStatus.Notifying).ToListAsync(cancellationToken);
        foreach (var channel in notifying)
        {
            await StartAsync(channel, cancellationToken);
        }
    }

    /// <summary>The reminder goes out before the live whatever the hour: no quiet hours, no daily cap.</summary>
    public async Task<RunPreparation> PrepareAsync(DeliveryRun run, WeChatAccount account, MessageTemplate template,
        CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var channel = await db.Channels.AsNoTracking().SingleOrDefaultAsync(c => c.Id == run.ChannelId, cancellationToken);
        if (channel is null)
        {
            return RunPreparation.Unsendable(ServiceText.Stored("Reminder.ChannelDeleted"));
        }
        if (await ReminderGate.CheckAsync(db, channel.AccountId, channel.TemplateId, cancellationToken) is { } problem)
        {
            return RunPreparation.Unsendable(problem);
        }
        var (message, unsendable) = ReminderMessage.Prepare(renderer, channel, template);
        return message is null ? RunPreparation.Unsendable(unsendable ?? ServiceText.Stored("Run.TemplateUnsendable")) : new RunPreparation(new Reminder(message));
    }

    public async Task EndedAsync(DeliveryRun run, RunStatus status, string? reason, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var channel = await db.Channels.AsNoTracking()
            .Where(c => c.Id == run.ChannelId && c.CurrentRunId == run.Id && c.ReminderStatus == ReminderStatus.Notifying)
            .Select(c => new { c.Id, c.Occurrence }).SingleOrDefaultAsync(cancellationToken);
        if (channel is null)
        {
            // Told already, or the channel moved on (canceled, deleted, a new occurrence).
            return;
        }
        switch (status)
        {
            case RunStatus.Completed:
                var summary = (await progress.CountsAsync(run.Id, cancellationToken))?.Summary;
                await transitions.SetRunReasonAsync(run.Id, summary, cancellationToken);
                await transitions.MoveAsync(channel.Id, channel.Occurrence, ReminderStatus.Notifying, ReminderStatus.Notified, summary, cancellationToken);
                logger.LogInformation("Reminder broadcast of channel {ChannelId} occurrence {Occurrence} completed: {Summary}",
                    channel.Id, channel.Occurrence, ServiceText.Show(summary));
                break;
            case RunStatus.Canceled:
                await transitions.MoveAsync(channel.Id, channel.Occurrence, ReminderStatus.Notifying, ReminderStatus.Canceled, reason, cancellationToken);
                logger.LogInformation("Reminder broadcast of channel {ChannelId} stopped: {Reason}", channel.Id, ServiceText.Show(reason));
                break;
            case RunStatus.Failed:
                // A channel's reminder is not resumed: the rest is recorded as not sent.
                await ledger.SkipPendingAsync(run.Id, SkipReason.Canceled, cancellationToken);
                await ledger.RecountAsync(run.Id, cancellationToken);
                var sent = (await progress.CountsAsync(run.Id, cancellationToken))?.Sent ?? 0;
                var failed = ServiceText.Stored("Reminder.StoppedAfter", reason, sent.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
                await transitions.SetRunReasonAsync(run.Id, failed, cancellationToken);
                await transitions.MoveAsync(channel.Id, channel.Occurrence, ReminderStatus.Notifying, ReminderStatus.Failed, failed, cancellationToken);
                logger.LogWarning("Reminder broadcast of channel {ChannelId} failed: {Reason}", channel.Id, ServiceText.Show(failed));
                break;
        }
    }

    /// <summary>The reminder, rendered per follower and sent with the row's client_msg_id (WeChat drops a repeat).</summary>
    private sealed class Reminder(ReminderMessage message) : IRunMessage
    {
        public TemplateKind Kind => TemplateKind.OfficialAccountTemplate;

        public Task<SendOutcome> SendAsync(WeChatClient client, string openId, string? formId, string clientMsgId, CancellationToken cancellationToken) =>
            client.SendOfficialTemplateAsync(message.For(openId), clientMsgId, cancellationToken);
    }
}
