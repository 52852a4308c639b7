using System.Globalization;
using Quartz;

namespace PushConsole.Channels;

/// <summary>Quartz's entry point for a channel's reminder trigger (see <see cref="ReminderSchedule"/>).</summary>
public sealed class ChannelReminderJob(ReminderFiring firing) : IJob
{
    public static readonly JobKey Key = new("reminder", ReminderSchedule.TriggerGroup);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var data = context.MergedJobDataMap;
        var channelId = int.Parse(data.GetString(ReminderSchedule.ChannelIdKey)!, CultureInfo.InvariantCulture);
        var occurrence = int.Parse(data.GetString(ReminderSchedule.OccurrenceKey)!, CultureInfo.InvariantCulture);
        await firing.FireAsync(channelId, occurrence, cancellationToken);
    }
}
