using Microsoft.EntityFrameworkCore;
using PushConsole.Accounts;
using PushConsole.Ledger;
using PushConsole.Persistence;
using PushConsole.Sending;

namespace PushConsole.Campaigns;

/// <summary>A campaign as lists show it.</summary>
public sealed record CampaignSummary(
    int Id, string Name, int AccountId, string AccountName, int TemplateId, string TemplateTitle, AudienceKind Audience, int UploadedCount,
    ScheduleKind Schedule, string ScheduleText, DateTimeOffset? NextFire, int DailyCapPerUser, bool Enabled, DateTimeOffset UpdatedAt,
    long? LastRunId, RunStatus? LastRunStatus, DateTimeOffset? StartAt = null, string? Cron = null, string? TimeZone = null, string CreatedBy = "",
    DateTimeOffset CreatedAt = default, string ScheduleZone = "UTC");

/// <summary>Creates, changes and deletes campaigns, keeping their Quartz schedule in step.</summary>
public sealed class CampaignService(IDbContextFactory<PushConsoleDbContext> contexts, CampaignScheduler scheduler, RunControl runs,
    Audit.AuditLog audit, TimeProvider time)
{
    public sealed record Result(Campaign? Campaign, IReadOnlyList<string> Errors)
    {
        public bool Succeeded => Errors.Count == 0;
    }

    public async Task<IReadOnlyList<CampaignSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var campaigns = await db.Campaigns.AsNoTracking().Include(c => c.Account).Include(c => c.Template)
            .OrderByDescending(c => c.Id).ToListAsync(cancellationToken);
        var ids = campaigns.Select(c => (int?)c.Id).ToList();
        var lastRuns = await db.DeliveryRuns.AsNoTracking().Where(r => ids.Contains(r.CampaignId))
            .GroupBy(r => r.CampaignId).Select(g => g.Max(r => r.Id)).ToListAsync(cancellationToken);
        var runStatus = await db.DeliveryRuns.AsNoTracking().Where(r => lastRuns.Contains(r.Id))
            .ToDictionaryAsync(r => r.CampaignId!.Value, r => (r.Id, r.Status), cancellationToken);
        var now = time.GetUtcNow();
        return campaigns.Select(c =>
        {
            var last = runStatus.TryGetValue(c.Id, out var l) ? l : ((long, RunStatus)?)null;
            return Summarize(c, now, last?.Item1, last?.Item2);
        }).ToList();
    }

    // Shown (and returned by the API) with the schedule zone's offset, so "daily 10:00 Asia/Shanghai" reads as 10:00.
    private static DateTimeOffset? InScheduleZone(DateTimeOffset? next, Campaign c, string accountZone) =>
        next is { } at && (AccountCalendar.Resolve(c.TimeZone) ?? AccountCalendar.Resolve(accountZone)) is { } zone
            ? TimeZoneInfo.ConvertTime(at, zone)
            : next;

    private static CampaignSummary Summarize(Campaign c, DateTimeOffset now, long? lastRunId, RunStatus? lastStatus)
    {
        var zone = c.Account?.TimeZone ?? "UTC";
        return new CampaignSummary(c.Id, c.Name, c.AccountId, c.Account?.Name ?? "", c.TemplateId, c.Template?.Title ?? "", c.Audience,
            c.UploadedCount, c.Schedule, CampaignSchedules.Describe(c, zone), InScheduleZone(CampaignSchedules.NextFire(c, zone, now), c, zone), c.DailyCapPerUser,
            c.Enabled, c.UpdatedAt, lastRunId, lastStatus, c.StartAt, c.Cron, c.TimeZone, c.CreatedBy, c.CreatedAt,
            // The zone its times are read in: its own, else its account's.
            AccountCalendar.Resolve(c.TimeZone) is not null ? c.TimeZone!.Trim() : zone);
    }

    public async Task<Campaign?> FindAsync(int id, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Campaigns.AsNoTracking().Include(c => c.Account).Include(c => c.Template)
            .SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
    }

    public async Task<CampaignSummary?> SummaryAsync(int id, CancellationToken cancellationToken = default) =>
        (await ListAsync(cancellationToken)).FirstOrDefault(c => c.Id == id);

    public async Task<IReadOnlyList<string>> RecipientsAsync(int id, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.CampaignRecipients.AsNoTracking().Where(r => r.CampaignId == id).OrderBy(r => r.OpenId)
            .Select(r => r.OpenId).ToListAsync(cancellationToken);
    }

    public async Task<Result> CreateAsync(CampaignInput input, string createdBy, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        var errors = await ValidateAsync(db, input, 0, now, creating: true, cancellationToken);
        if (errors.Count > 0)
        {
            return new(null, errors);
        }
        var campaign = new Campaign { CreatedBy = createdBy, CreatedAt = now };
        Apply(campaign, input, now);
        db.Campaigns.Add(campaign);
        await db.SaveChangesAsync(cancellationToken);
        await ReplaceRecipientsAsync(db, campaign, input, cancellationToken);
        var account = await db.Accounts.AsNoTracking().SingleAsync(a => a.Id == campaign.AccountId, cancellationToken);
        await scheduler.ScheduleAsync(campaign, account.TimeZone, fireNow: true, cancellationToken);
        await RecordAsync(campaign, Audit.AuditAction.Created);
        return new(campaign, []);
    }

    public async Task<Result> UpdateAsync(int id, CampaignInput input, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var campaign = await db.Campaigns.SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (campaign is null)
        {
            return new(null, [ServiceText.Get("Campaign.Missing")]);
        }
        var now = time.GetUtcNow();
        var stored = input.Audience == AudienceKind.UploadedList && input.Recipients is null ? campaign.UploadedCount : 0;
        var errors = await ValidateAsync(db, input, stored, now, creating: false, cancellationToken);
        if (errors.Count > 0)
        {
            return new(null, errors);
        }
        Apply(campaign, input, now);
        await db.SaveChangesAsync(cancellationToken);
        await ReplaceRecipientsAsync(db, campaign, input, cancellationToken);
        var account = await db.Accounts.AsNoTracking().SingleAsync(a => a.Id == campaign.AccountId, cancellationToken);
        // Saving again does not send a "now" campaign again: that is what Run now is for.
        await scheduler.ScheduleAsync(campaign, account.TimeZone, fireNow: false, cancellationToken);
        await RecordAsync(campaign, Audit.AuditAction.Updated);
        return new(campaign, []);
    }

    /// <summary>Deletes the campaign after canceling its unfinished runs; the runs and their outcomes stay.</summary>
    public async Task<bool> DeleteAsync(int id, string? by, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var campaign = await db.Campaigns.AsNoTracking().SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (campaign is null)
        {
            return false;
        }
        await scheduler.UnscheduleAsync(id, cancellationToken);
        var open = await db.DeliveryRuns.Where(r => r.CampaignId == id
                && r.Status != RunStatus.Completed && r.Status != RunStatus.Canceled)
            .Select(r => r.Id).ToListAsync(cancellationToken);
        foreach (var runId in open)
        {
            await runs.CancelAsync(runId, by, cancellationToken);
        }
        await db.Campaigns.Where(c => c.Id == id).ExecuteDeleteAsync(cancellationToken);
        await RecordAsync(campaign, Audit.AuditAction.Deleted, open.Count > 0 ? $"{open.Count} unfinished runs canceled" : null);
        return true;
    }

    private Task RecordAsync(Campaign campaign, Audit.AuditAction action, string? detail = null) =>
        audit.RecordAsync(Audit.AuditSubject.Campaign, action, campaign.Id.ToString(), campaign.Name, campaign.AccountId, detail);

    /// <summary>Fires the campaign now, outside its schedule.</summary>
    public async Task<bool> RunNowAsync(int id, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (!await db.Campaigns.AnyAsync(c => c.Id == id && c.Enabled, cancellationToken))
        {
            return false;
        }
        await scheduler.FireNowAsync(id, cancellationToken);
        return true;
    }

    internal static async Task<List<string>> ValidateAsync(PushConsoleDbContext db, CampaignInput input, int storedRecipients, DateTimeOffset now,
        bool creating, CancellationToken cancellationToken)
    {
        var account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == input.AccountId, cancellationToken);
        var template = await db.Templates.AsNoTracking().SingleOrDefaultAsync(t => t.Id == input.TemplateId, cancellationToken);
        return input.Validate(account, template, storedRecipients, now, creating);
    }

    private static void Apply(Campaign campaign, CampaignInput input, DateTimeOffset now)
    {
        campaign.Name = input.Name.Trim();
        campaign.AccountId = input.AccountId;
        campaign.TemplateId = input.TemplateId;
        campaign.Audience = input.Audience;
        campaign.Schedule = input.Schedule;
        // Stored in UTC: PostgreSQL keeps instants only in UTC, and the time zone is the campaign's or the account's.
        campaign.StartAt = input.Schedule == ScheduleKind.Once ? input.StartAt?.ToUniversalTime() : null;
        campaign.Cron = input.Schedule == ScheduleKind.Recurring ? CampaignSchedules.Normalize(input.Cron) : null;
        campaign.TimeZone = string.IsNullOrWhiteSpace(input.TimeZone) ? null : input.TimeZone.Trim();
        campaign.DailyCapPerUser = input.DailyCapPerUser;
        campaign.Enabled = input.Enabled;
        campaign.UpdatedAt = now;
    }

    private static async Task ReplaceRecipientsAsync(PushConsoleDbContext db, Campaign campaign, CampaignInput input, CancellationToken cancellationToken)
    {
        if (input.Recipients is null && input.Audience == AudienceKind.UploadedList)
        {
            return;
        }
        var openIds = input.Audience == AudienceKind.UploadedList
            ? input.Recipients!.Select(r => r.Trim()).Distinct(StringComparer.Ordinal).ToList()
            : [];
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.CampaignRecipients.Where(r => r.CampaignId == campaign.Id).ExecuteDeleteAsync(cancellationToken);
        foreach (var chunk in openIds.Chunk(5000))
        {
            db.CampaignRecipients.AddRange(chunk.Select(o => new CampaignRecipient { CampaignId = campaign.Id, OpenId = o }));
            await db.SaveChangesAsync(cancellationToken);
            db.ChangeTracker.Clear();
        }
        campaign.UploadedCount = openIds.Count;
        await db.Campaigns.Where(c => c.Id == campaign.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.UploadedCount, openIds.Count), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}
