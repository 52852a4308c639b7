using System.Globalization;
using Quartz;
using PushConsole.Accounts;

namespace PushConsole.Campaigns;

/// <summary>
/// The campaigns' side of Quartz: a job per campaign whose trigger follows its schedule (fires go through
/// <see cref="CampaignFireJob"/>, which opens a run and starts it with <see cref="Sending.RunScheduler"/>). Everything
/// lives in Quartz's persistent store, so schedules survive restarts.
/// </summary>
public sealed class CampaignScheduler(ISchedulerFactory schedulers, TimeProvider time)
{
    public const string CampaignGroup = "campaigns";

    public static JobKey CampaignJob(int campaignId) => new($"campaign-{campaignId}", CampaignGroup);

    /// <summary>
    /// Puts the campaign's schedule in place of whatever was there. <paramref name="fireNow"/> fires a "now" campaign
    /// (on creation); a one-off time in the past is not fired.
    /// </summary>
    public async Task ScheduleAsync(Campaign campaign, string accountTimeZone, bool fireNow, CancellationToken cancellationToken = default)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var key = CampaignJob(campaign.Id);
        await scheduler.DeleteJob(key, cancellationToken);
        if (!campaign.Enabled)
        {
            return;
        }
        var job = JobBuilder.Create<CampaignFireJob>()
            .WithIdentity(key)
            .UsingJobData(CampaignFireJob.CampaignIdKey, campaign.Id.ToString(CultureInfo.InvariantCulture))
            .StoreDurably()
            .RequestRecovery()
            .Build();
        ITrigger? trigger = null;
        var now = time.GetUtcNow();
        switch (campaign.Schedule)
        {
            case ScheduleKind.Now when fireNow:
                trigger = TriggerBuilder.Create().WithIdentity($"campaign-{campaign.Id}-now", CampaignGroup).ForJob(key)
                    .StartAt(now).WithSimpleSchedule(s => s.WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow)).Build();
                break;
            case ScheduleKind.Once when campaign.StartAt is { } at && at > now:
                trigger = TriggerBuilder.Create().WithIdentity($"campaign-{campaign.Id}-once", CampaignGroup).ForJob(key)
                    .StartAt(at).WithSimpleSchedule(s => s.WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow)).Build();
                break;
            case ScheduleKind.Recurring:
                var cron = CampaignSchedules.ParseCron(campaign.Cron, out var error)
                    ?? throw new InvalidOperationException(error);
                var zone = AccountCalendar.Resolve(campaign.TimeZone) ?? AccountCalendar.Resolve(accountTimeZone) ?? TimeZoneInfo.Utc;
                // A fire missed while the console was down runs once when it is back, then the schedule goes on.
                trigger = TriggerBuilder.Create().WithIdentity($"campaign-{campaign.Id}-cron", CampaignGroup).ForJob(key)
                    .WithCronSchedule(cron.CronExpressionString, c => c.InTimeZone(zone).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
                    .Build();
                break;
        }
        if (trigger is null)
        {
            await scheduler.AddJob(job, AddJobOptions.Replacing, cancellationToken);
        }
        else
        {
            await scheduler.ScheduleJob(job, trigger, ScheduleJobOptions.Replacing, cancellationToken);
        }
    }

    public async Task UnscheduleAsync(int campaignId, CancellationToken cancellationToken = default)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        await scheduler.DeleteJob(CampaignJob(campaignId), cancellationToken);
    }

    /// <summary>Fires the campaign now, outside its schedule (a new run).</summary>
    public async Task FireNowAsync(int campaignId, CancellationToken cancellationToken = default)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var key = CampaignJob(campaignId);
        if (!await scheduler.Exists(key, cancellationToken))
        {
            await scheduler.AddJob(JobBuilder.Create<CampaignFireJob>().WithIdentity(key)
                .UsingJobData(CampaignFireJob.CampaignIdKey, campaignId.ToString(CultureInfo.InvariantCulture))
                .StoreDurably().RequestRecovery().Build(), AddJobOptions.Replacing, cancellationToken);
        }
        await scheduler.TriggerJob(key, cancellationToken);
    }

    /// <summary>When the campaign's trigger fires next, as Quartz has it.</summary>
    public async Task<DateTimeOffset?> NextFireAsync(int campaignId, CancellationToken cancellationToken = default)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var triggers = await scheduler.GetTriggersOfJob(CampaignJob(campaignId), cancellationToken);
        return triggers.Select(t => t.NextFireTimeUtc).Where(t => t is not null).Min();
    }
}
