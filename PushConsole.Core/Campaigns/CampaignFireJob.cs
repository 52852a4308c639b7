using Quartz;

namespace PushConsole.Campaigns;

/// <summary>Fires a campaign: opens the run of this fire (the same run for a repeated fire) and starts it.</summary>
public sealed class CampaignFireJob(CampaignFiring firing) : IJob
{
    public const string CampaignIdKey = "campaignId";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var campaignId = int.Parse(context.MergedJobDataMap.GetString(CampaignIdKey)!, System.Globalization.CultureInfo.InvariantCulture);
        // The scheduled time, not the actual one: a misfire or a recovery re-fire of the same trigger opens the same run.
        var scheduled = context.ScheduledFireTimeUtc ?? context.FireTimeUtc;
        await firing.FireAsync(campaignId, scheduled, cancellationToken);
    }
}
