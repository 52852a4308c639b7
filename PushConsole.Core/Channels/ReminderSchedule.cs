using Quartz;

namespace PushConsole.Channels;

/// <summary>A reminder trigger as the scheduler holds it.</summary>
public sealed record ScheduledReminder(int ChannelId, int Occurrence, DateTimeOffset FireAt);

/// <summary>
/// One one-off Quartz trigger per channel (key <c>channels.reminder-{id}</c>) firing <see cref="ChannelReminderJob"/>
/// at the reminder time. The trigger carries the occurrence it was made for, so a trigger outliving a change is
/// recognised as stale when it fires. Quartz keeps it in the console's database: it survives restarts, and a
/// trigger missed while the console was down fires on recovery (the job then applies the missed-reminder rule).
/// </summary>
public sealed class ReminderSchedule(ISchedulerFactory schedulers, TimeProvider time)
{
    public const string TriggerGroup = "channels";
    public const string ChannelIdKey = "channelId";
    public const string OccurrenceKey = "occurrence";

    public static TriggerKey KeyOf(int channelId) => new($"reminder-{channelId}", TriggerGroup);

    /// <summary>Creates or replaces the channel's trigger; a time already past fires at once.</summary>
    public async Task ScheduleAsync(int channelId, int occurrence, DateTimeOffset remindAt, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var trigger = TriggerBuilder.Create()
            .WithIdentity(KeyOf(channelId))
            .ForJob(ChannelReminderJob.Key)
            .WithDescription($"Live-start reminder of channel {channelId}, occurrence {occurrence}")
            // Strings: the job store serialises the data map as JSON, which keeps strings exactly.
            .UsingJobData(ChannelIdKey, channelId.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .UsingJobData(OccurrenceKey, occurrence.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .StartAt(remindAt > now ? remindAt : now)
            // Missed while the console was down: fire as soon as it is back; the job decides whether it is too late.
            .WithSimpleSchedule(s => s.WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow))
            .Build();
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        await scheduler.ScheduleJob(trigger, new ScheduleJobOptions { Replace = true }, cancellationToken);
    }

    public async Task UnscheduleAsync(int channelId, CancellationToken cancellationToken = default)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        await scheduler.UnscheduleJob(KeyOf(channelId), cancellationToken);
    }

    /// <summary>The channel's pending trigger, if it has one.</summary>
    public async Task<ScheduledReminder?> FindAsync(int channelId, CancellationToken cancellationToken = default)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var trigger = await scheduler.GetTrigger(KeyOf(channelId), cancellationToken);
        if (trigger?.NextFireTimeUtc is not { } next)
        {
            return null;
        }
        return new ScheduledReminder(channelId, int.Parse(trigger.JobDataMap.GetString(OccurrenceKey)!, System.Globalization.CultureInfo.InvariantCulture), next);
    }
}
