using Microsoft.EntityFrameworkCore;
using PushConsole.Persistence;

namespace PushConsole.Channels;

public enum FireResult
{
    /// <summary>The trigger was for an occurrence, state or setting that no longer holds: nothing happened.</summary>
    Stale,
    /// <summary>The broadcast was started (the channel is notifying, its run started).</summary>
    Started,
    /// <summary>The live had begun: the reminder is marked missed.</summary>
    Missed,
    /// <summary>The reminder cannot be sent (account or template no longer fit); marked failed.</summary>
    Failed,
}

/// <summary>
/// What happens when a channel's reminder trigger fires, on time or late after the console was down: a reminder goes
/// out only while the live has not started — never a reminder of a live that already began.
/// </summary>
public sealed class ReminderFiring(
    IDbContextFactory<PushConsoleDbContext> contexts,
    ReminderTransitions transitions,
    ChannelRuns runs,
    TimeProvider time,
    ILogger<ReminderFiring> logger)
{
    public async Task<FireResult> FireAsync(int channelId, int occurrence, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var channel = await db.Channels.AsNoTracking().SingleOrDefaultAsync(c => c.Id == channelId, cancellationToken);
        if (channel is null || channel.Occurrence != occurrence || !channel.ReminderEnabled
            || channel.ReminderStatus != ReminderStatus.NotNotified)
        {
            // A repeated fire (another node, a recovery re-fire) or a trigger that outlived a change.
            logger.LogInformation("Reminder of channel {ChannelId} occurrence {Occurrence} fired again or no longer due ({Status}): nothing to do",
                channelId, occurrence, channel?.ReminderStatus.ToString() ?? "deleted");
            return FireResult.Stale;
        }

        var now = time.GetUtcNow();
        if (now >= channel.StartsAt)
        {
            var reason = ServiceText.Stored("Reminder.Missed", ChannelTime.Describe(channel.RemindAt, channel.TimeZone),
                ChannelTime.Describe(channel.StartsAt, channel.TimeZone));
            var missed = await transitions.MoveAsync(channelId, occurrence, ReminderStatus.NotNotified, ReminderStatus.Missed, reason, cancellationToken);
            if (missed)
            {
                logger.LogWarning("Reminder of channel {ChannelId} occurrence {Occurrence} missed: the live started at {StartsAt}", channelId, occurrence, channel.StartsAt);
            }
            return missed ? FireResult.Missed : FireResult.Stale;
        }

        if (await ReminderGate.CheckAsync(db, channel.AccountId, channel.TemplateId, cancellationToken) is { } unavailable)
        {
            var failed = await transitions.MoveAsync(channelId, occurrence, ReminderStatus.NotNotified, ReminderStatus.Failed, unavailable, cancellationToken);
            return failed ? FireResult.Failed : FireResult.Stale;
        }

        if (!await transitions.MoveAsync(channelId, occurrence, ReminderStatus.NotNotified, ReminderStatus.Notifying, null, cancellationToken))
        {
            logger.LogInformation("Reminder of channel {ChannelId} occurrence {Occurrence} fired again or no longer due (another fire won): nothing to do",
                channelId, occurrence);
            return FireResult.Stale;
        }
        logger.LogInformation("Reminder of channel {ChannelId} occurrence {Occurrence} fired; broadcasting", channelId, occurrence);
        // Should the node die right here, the start-up of any node starts the run of every notifying channel.
        await runs.StartAsync(channel, cancellationToken);
        return FireResult.Started;
    }
}
