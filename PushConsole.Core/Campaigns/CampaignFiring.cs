using System.Globalization;
using Microsoft.EntityFrameworkCore;
using PushConsole.Accounts;
using PushConsole.Ledger;
using PushConsole.Persistence;
using PushConsole.Sending;

namespace PushConsole.Campaigns;

/// <summary>Turns a fire of a campaign's trigger into its run.</summary>
public sealed class CampaignFiring(IDbContextFactory<PushConsoleDbContext> contexts, DeliveryLedger ledger, RunScheduler scheduler,
    ILogger<CampaignFiring> logger)
{
    /// <summary>The run's key: the campaign and the time the fire was scheduled for, so a repeated fire finds the same run.</summary>
    public static string FireKeyOf(int campaignId, DateTimeOffset scheduledFireTime) =>
        string.Create(CultureInfo.InvariantCulture, $"campaign:{campaignId}:{scheduledFireTime.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}");

    /// <summary>Opens (or finds) the run of this fire and starts it; null when the campaign is gone or disabled.</summary>
    public async Task<DeliveryRun?> FireAsync(int campaignId, DateTimeOffset scheduledFireTime, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var campaign = await db.Campaigns.AsNoTracking().Include(c => c.Account).SingleOrDefaultAsync(c => c.Id == campaignId, cancellationToken);
        if (campaign is null || !campaign.Enabled)
        {
            logger.LogInformation("Campaign {CampaignId} fired but is {State}; nothing sent", campaignId, campaign is null ? "deleted" : "disabled");
            return null;
        }
        var zone = AccountCalendar.Resolve(campaign.Account!.TimeZone) ?? TimeZoneInfo.Utc;
        var run = await ledger.OpenRunAsync(new DeliveryRun
        {
            Kind = RunKind.Campaign,
            FireKey = FireKeyOf(campaignId, scheduledFireTime),
            Name = $"{campaign.Name} · {TimeZoneInfo.ConvertTime(scheduledFireTime, zone):yyyy-MM-dd HH:mm}",
            AccountId = campaign.AccountId,
            TemplateId = campaign.TemplateId,
            CampaignId = campaign.Id,
            Status = RunStatus.Pending,
        }, cancellationToken);
        if (run.Status is RunStatus.Pending or RunStatus.Running)
        {
            await scheduler.StartRunAsync(run.Id, cancellationToken: cancellationToken);
        }
        return run;
    }
}
