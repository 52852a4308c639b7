using Microsoft.EntityFrameworkCore;
using PushConsole.Persistence;

namespace PushConsole.Channels;

/// <summary>
/// Makes sure every channel waiting for its reminder has its trigger. A save writes the channel and then the trigger
/// in two steps; if the console died in between, this puts the trigger back at start-up (a reminder time already
/// past fires at once, and the job then applies the missed-reminder rule).
/// </summary>
public sealed class ReminderReconciler(IDbContextFactory<PushConsoleDbContext> contexts, ReminderSchedule schedule, ILogger<ReminderReconciler> logger)
{
    public async Task ReconcileAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var waiting = await db.Channels.AsNoTracking()
            .Where(c => c.ReminderEnabled && c.ReminderStatus == ReminderStatus.NotNotified)
            .Select(c => new { c.Id, c.Occurrence, c.StartsAt, c.ReminderMinutesAhead }).ToListAsync(cancellationToken);
        foreach (var channel in waiting)
        {
            var trigger = await schedule.FindAsync(channel.Id, cancellationToken);
            if (trigger is null || trigger.Occurrence != channel.Occurrence)
            {
                await schedule.ScheduleAsync(channel.Id, channel.Occurrence, channel.StartsAt.AddMinutes(-channel.ReminderMinutesAhead), cancellationToken);
                logger.LogInformation("Reminder trigger of channel {ChannelId} restored", channel.Id);
            }
        }
    }
}
