using Microsoft.EntityFrameworkCore;
using PushConsole.Accounts;
using PushConsole.Ledger;
using PushConsole.Persistence;
using PushConsole.Sending;

namespace PushConsole.Campaigns;

/// <summary>What a campaign would do if it ran now.</summary>
/// <param name="AudienceSize">Recipients the audience resolves to.</param>
/// <param name="WithUsableCredential">Of those, users who hold a usable credential (all of them when none is needed).</param>
/// <param name="CappedToday">Of those, users already at the daily cap today.</param>
/// <param name="ExpectedSends">Messages the run would send.</param>
public sealed record DryRunResult(bool Succeeded, IReadOnlyList<string> Errors, int AudienceSize, int WithUsableCredential, int CappedToday,
    int ExpectedSends, IReadOnlyList<string> Notes)
{
    public static DryRunResult Invalid(IReadOnlyList<string> errors) => new(false, errors, 0, 0, 0, 0, []);
}

/// <summary>The dry run shown before a campaign is saved: audience, usable credentials, caps, expected sends.</summary>
public sealed class CampaignDryRun(IDbContextFactory<PushConsoleDbContext> contexts, UserAudience audience, IAudienceDirectory directory,
    DeliveryLedger ledger, TimeProvider time)
{
    /// <param name="campaignId">The campaign being edited, whose stored list stands in when no new list comes with the input.</param>
    public async Task<DryRunResult> RunAsync(CampaignInput input, int? campaignId = null, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        var stored = campaignId is { } id
            ? await db.Campaigns.Where(c => c.Id == id).Select(c => c.UploadedCount).SingleOrDefaultAsync(cancellationToken)
            : 0;
        var errors = await CampaignService.ValidateAsync(db, input, stored, now, creating: false, cancellationToken);
        if (errors.Count > 0)
        {
            return DryRunResult.Invalid(errors);
        }
        var account = await db.Accounts.AsNoTracking().SingleAsync(a => a.Id == input.AccountId, cancellationToken);
        var template = await db.Templates.AsNoTracking().SingleAsync(t => t.Id == input.TemplateId, cancellationToken);
        var campaign = new Campaign { Id = campaignId ?? 0, Audience = input.Audience, AccountId = account.Id, TemplateId = template.Id };
        var calendar = AccountCalendar.Of(account);
        var notes = new List<string>();

        IReadOnlyList<string> recipients;
        try
        {
            recipients = await audience.ResolveAsync(campaign, account, template, now, cancellationToken,
                input.Recipients?.Select(r => r.Trim()).ToList());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return DryRunResult.Invalid([ServiceText.Get("DryRun.AudienceUnresolved", e.Message)]);
        }
        var need = CredentialNeed.Of(template);
        List<string> reachable;
        if (need.Required)
        {
            var holders = (await directory.UsersWithUsableCredentialAsync(account.Id, need, cancellationToken)).ToHashSet(StringComparer.Ordinal);
            reachable = recipients.Where(holders.Contains).ToList();
        }
        else
        {
            reachable = [.. recipients];
            notes.Add(ServiceText.Get("DryRun.OfficialAccount"));
        }
        var capped = 0;
        if (input.DailyCapPerUser > 0 && reachable.Count > 0)
        {
            var today = await ledger.SentOnDayAsync(account.Id, reachable, calendar.DayOf(now), cancellationToken);
            capped = reachable.Count(r => today.GetValueOrDefault(r) >= input.DailyCapPerUser);
        }
        if (calendar.QuietUntilAfter(now) is { } until)
        {
            notes.Add(ServiceText.Get("DryRun.QuietHours", calendar.Describe(until)));
        }
        if (input.Schedule == ScheduleKind.Recurring)
        {
            notes.Add(ServiceText.Get("DryRun.Recurring"));
        }
        return new DryRunResult(true, [], recipients.Count, reachable.Count, capped, reachable.Count - capped, notes);
    }
}
