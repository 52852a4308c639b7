using Microsoft.EntityFrameworkCore;
using PushConsole.Ledger;
using PushConsole.Persistence;

namespace PushConsole.Outcomes;

/// <summary>The outcome categories the dashboard stacks: sent, failed, and each reason for skipping.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<OutcomeCategory>))]
public enum OutcomeCategory { Sent, Failed, NoCredential, Capped, QuietHours, Canceled }

public sealed record DailyOutcome(DateOnly Day, OutcomeCategory Category, int Count);

public sealed record ErrorCount(int? ErrCode, int Count, string Meaning);

/// <summary>Finished deliveries of one kind of run (campaigns, channel broadcasts, transactional messages) by outcome.</summary>
public sealed record KindOutcome(RunKind Kind, OutcomeCategory Category, int Count);

public sealed record RunSummary(long Id, string Name, RunKind Kind, int? CampaignId, int AccountId, RunStatus Status, string? StatusReason,
    DateTimeOffset? HeldUntil, int? ExpectedTotal, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, RunCounts Counts);

public sealed record DeliveryRow(long Id, string Recipient, DeliveryStatus Status, SkipReason SkipReason, int? ErrCode, string? ErrMsg,
    long? MsgId, string ClientMsgId, long? CredentialId, int Attempts, DateOnly LocalDay, DateTimeOffset? FinishedAt, long RunId = 0);

public sealed record DeliveryPage(IReadOnlyList<DeliveryRow> Rows, int Total);

/// <summary>Account-local days, both ends included (the ledger's LocalDay: each row counts in its account's zone).</summary>
public sealed record OutcomePeriod(DateOnly From, DateOnly To)
{
    public int Days => To.DayNumber - From.DayNumber + 1;
}

/// <summary>Runs created in [<paramref name="CreatedFrom"/>, <paramref name="CreatedUntil"/>), of one account or all.</summary>
/// <summary>Which runs a list shows; <paramref name="Search"/> is a part of the run's name, in any case.</summary>
public sealed record RunFilter(DateTimeOffset? CreatedFrom = null, DateTimeOffset? CreatedUntil = null, int? AccountId = null, string? Search = null);

public sealed record RunPage(IReadOnlyList<RunSummary> Runs, int Total);

public sealed record DeliveryFilter(DeliveryStatus? Status = null, int? ErrCode = null, string? Recipient = null);

/// <summary>
/// Reads outcomes from the delivery ledger: the charts over days from the outcome tallies its triggers keep in the same
/// transaction as each ledger write (<see cref="OutcomeTally"/>), a run's figures and rows straight from its rows.
/// </summary>
public sealed class OutcomeQueries(IDbContextFactory<PushConsoleDbContext> contexts, TimeProvider time)
{
    public static OutcomeCategory CategoryOf(DeliveryStatus status, SkipReason reason) => status switch
    {
        DeliveryStatus.Sent => OutcomeCategory.Sent,
        DeliveryStatus.Failed => OutcomeCategory.Failed,
        _ => reason switch
        {
            SkipReason.Capped => OutcomeCategory.Capped,
            SkipReason.QuietHours => OutcomeCategory.QuietHours,
            SkipReason.Canceled => OutcomeCategory.Canceled,
            _ => OutcomeCategory.NoCredential,
        },
    };

    public static string LabelOf(OutcomeCategory category) => category switch
    {
        OutcomeCategory.Sent => "Sent",
        OutcomeCategory.Failed => "Failed",
        OutcomeCategory.NoCredential => "Skipped: no credential",
        OutcomeCategory.Capped => "Skipped: daily cap",
        OutcomeCategory.QuietHours => "Skipped: quiet hours",
        OutcomeCategory.Canceled => "Skipped: canceled",
        _ => category.ToString(),
    };

    /// <summary>Finished rows per account-local day and outcome, for the last <paramref name="days"/> days.</summary>
    public Task<IReadOnlyList<DailyOutcome>> DailyAsync(int days, int? accountId = null, CancellationToken cancellationToken = default) =>
        DailyAsync(LastDays(days), accountId, cancellationToken);

    /// <summary>Finished rows per account-local day and outcome, in <paramref name="period"/>.</summary>
    public async Task<IReadOnlyList<DailyOutcome>> DailyAsync(OutcomePeriod period, int? accountId = null, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await Tallies(db, accountId).Where(t => t.LocalDay >= period.From && t.LocalDay <= period.To)
            .GroupBy(t => new { t.LocalDay, t.Status, t.SkipReason })
            .Where(g => g.Sum(t => t.Count) != 0)
            .Select(g => new { g.Key.LocalDay, g.Key.Status, g.Key.SkipReason, Count = (int)g.Sum(t => t.Count) })
            .ToListAsync(cancellationToken);
        return rows.GroupBy(r => (r.LocalDay, Category: CategoryOf(r.Status, r.SkipReason)))
            .Select(g => new DailyOutcome(g.Key.LocalDay, g.Key.Category, g.Sum(r => r.Count)))
            .OrderBy(o => o.Day).ThenBy(o => o.Category).ToList();
    }

    /// <summary>
    /// Finished rows of the last <paramref name="days"/> days per kind of run and outcome: transactional messages count as
    /// their own kind beside campaigns and broadcasts.
    /// </summary>
    public Task<IReadOnlyList<KindOutcome>> ByKindAsync(int days, int? accountId = null, CancellationToken cancellationToken = default) =>
        ByKindAsync(LastDays(days), accountId, cancellationToken);

    /// <summary>Finished rows in <paramref name="period"/> per kind of run and outcome.</summary>
    public async Task<IReadOnlyList<KindOutcome>> ByKindAsync(OutcomePeriod period, int? accountId = null, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await Tallies(db, accountId).Where(t => t.LocalDay >= period.From && t.LocalDay <= period.To)
            .GroupBy(t => new { t.RunKind, t.Status, t.SkipReason })
            .Where(g => g.Sum(t => t.Count) != 0)
            .Select(g => new { Kind = g.Key.RunKind, g.Key.Status, g.Key.SkipReason, Count = (int)g.Sum(t => t.Count) })
            .ToListAsync(cancellationToken);
        return rows.GroupBy(r => (r.Kind, Category: CategoryOf(r.Status, r.SkipReason)))
            .Select(g => new KindOutcome(g.Key.Kind, g.Key.Category, g.Sum(r => r.Count)))
            .OrderBy(o => o.Kind).ThenBy(o => o.Category).ToList();
    }

    /// <summary>The most frequent errcodes of failed rows in the last <paramref name="days"/> days.</summary>
    public Task<IReadOnlyList<ErrorCount>> TopErrorsAsync(int days, int top = 10, int? accountId = null, long? runId = null,
        CancellationToken cancellationToken = default) =>
        TopErrorsAsync(LastDays(days), top, accountId, runId, cancellationToken);

    /// <summary>The most frequent errcodes of failed rows in <paramref name="period"/> (or of one run, whenever it ran).</summary>
    public async Task<IReadOnlyList<ErrorCount>> TopErrorsAsync(OutcomePeriod period, int top = 10, int? accountId = null, long? runId = null,
        CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (runId is null)
        {
            var tallied = await Tallies(db, accountId)
                .Where(t => t.Status == DeliveryStatus.Failed && t.LocalDay >= period.From && t.LocalDay <= period.To)
                .GroupBy(t => t.ErrCode)
                .Select(g => new { ErrCode = g.Key, Count = g.Sum(t => t.Count) })
                .Where(g => g.Count > 0)
                .OrderByDescending(g => g.Count).ThenBy(g => g.ErrCode).Take(top)
                .ToListAsync(cancellationToken);
            return tallied.Select(r =>
                {
                    int? code = r.ErrCode == OutcomeTally.NoErrCode ? null : r.ErrCode;
                    return new ErrorCount(code, (int)r.Count, ErrorCodeMeanings.Of(code));
                }).ToList();
        }
        // One run's errcodes: the ledger's (run, status, id) index keeps this to the run's failed rows.
        var rows = await Finished(db, accountId).Where(d => d.Status == DeliveryStatus.Failed && d.RunId == runId)
            .GroupBy(d => d.ErrCode)
            .Select(g => new { ErrCode = g.Key, Count = g.Count() })
            .OrderByDescending(g => g.Count).Take(top)
            .ToListAsync(cancellationToken);
        return rows.Select(r => new ErrorCount(r.ErrCode, r.Count, ErrorCodeMeanings.Of(r.ErrCode))).ToList();
    }

    /// <summary>Per-account "today" totals: each account counts its own local day.</summary>
    public async Task<IReadOnlyDictionary<OutcomeCategory, int>> TodayAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var accounts = await db.Accounts.AsNoTracking().Select(a => new { a.Id, a.TimeZone }).ToListAsync(cancellationToken);
        var now = time.GetUtcNow();
        var totals = new Dictionary<OutcomeCategory, int>();
        foreach (var account in accounts)
        {
            var zone = Accounts.AccountCalendar.Resolve(account.TimeZone) ?? TimeZoneInfo.Utc;
            var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
            var rows = await Tallies(db, account.Id).Where(t => t.LocalDay == today)
                .GroupBy(t => new { t.Status, t.SkipReason })
                .Where(g => g.Sum(t => t.Count) != 0)
                .Select(g => new { g.Key.Status, g.Key.SkipReason, Count = (int)g.Sum(t => t.Count) })
                .ToListAsync(cancellationToken);
            foreach (var row in rows)
            {
                var category = CategoryOf(row.Status, row.SkipReason);
                totals[category] = totals.GetValueOrDefault(category) + row.Count;
            }
        }
        return totals;
    }

    public async Task<IReadOnlyList<RunSummary>> RunsAsync(int take = 20, int? campaignId = null, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        // A transactional message is a run of its own: thousands a day would bury the campaigns' and broadcasts' runs
        // (they are listed on the messages page).
        var query = db.DeliveryRuns.AsNoTracking().Where(r => r.Kind != RunKind.Message);
        if (campaignId is { } id)
        {
            query = query.Where(r => r.CampaignId == id);
        }
        var runs = await query.OrderByDescending(r => r.Id).Take(take).ToListAsync(cancellationToken);
        var counts = await CountsAsync(db, runs.Select(r => r.Id).ToList(), cancellationToken);
        return runs.Select(r => Summarize(r, counts.GetValueOrDefault(r.Id) ?? new RunCounts(0, 0, 0, 0, 0))).ToList();
    }

    /// <summary>One page of runs, newest first, filtered and cut in the database.</summary>
    public async Task<RunPage> RunPageAsync(RunFilter filter, int skip, int take, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = db.DeliveryRuns.AsNoTracking();
        if (filter.AccountId is { } accountId)
        {
            query = query.Where(r => r.AccountId == accountId);
        }
        if (filter.CreatedFrom is { } from)
        {
            query = query.Where(r => r.CreatedAt >= from);
        }
        if (filter.CreatedUntil is { } until)
        {
            query = query.Where(r => r.CreatedAt < until);
        }
        if (!string.IsNullOrWhiteSpace(filter.Search))
        {
            var needle = filter.Search.Trim().ToLower();
            query = query.Where(r => r.Name.ToLower().Contains(needle));
        }
        var total = await query.CountAsync(cancellationToken);
        var runs = await query.OrderByDescending(r => r.Id).Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 1, 500)).ToListAsync(cancellationToken);
        var counts = await CountsAsync(db, runs.Select(r => r.Id).ToList(), cancellationToken);
        return new RunPage(runs.Select(r => Summarize(r, counts.GetValueOrDefault(r.Id) ?? new RunCounts(0, 0, 0, 0, 0))).ToList(), total);
    }

    public async Task<RunSummary?> RunAsync(long runId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var run = await db.DeliveryRuns.AsNoTracking().SingleOrDefaultAsync(r => r.Id == runId, cancellationToken);
        if (run is null)
        {
            return null;
        }
        var counts = await CountsAsync(db, [runId], cancellationToken);
        return Summarize(run, counts.GetValueOrDefault(runId) ?? new RunCounts(0, 0, 0, 0, 0));
    }

    public async Task<DeliveryPage> DeliveriesAsync(long runId, DeliveryFilter filter, int skip, int take, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = Filtered(db, runId, filter);
        var total = await query.CountAsync(cancellationToken);
        var rows = await query.OrderBy(d => d.Id).Skip(skip).Take(Math.Clamp(take, 1, 1000))
            .Select(d => new { d.Id, d.Recipient, d.Status, d.SkipReason, d.ErrCode, d.ErrMsg, d.MsgId, d.CredentialId, d.Attempts, d.LocalDay, d.FinishedAt })
            .ToListAsync(cancellationToken);
        return new DeliveryPage(rows.Select(d => new DeliveryRow(d.Id, d.Recipient, d.Status, d.SkipReason, d.ErrCode, d.ErrMsg, d.MsgId,
            Delivery.ClientMsgIdOf(d.Id), d.CredentialId, d.Attempts, d.LocalDay, d.FinishedAt)).ToList(), total);
    }

    /// <summary>Every matching row, in id order, read in pages so an export of a large run does not sit in memory.</summary>
    public async IAsyncEnumerable<DeliveryRow> StreamDeliveriesAsync(long runId, DeliveryFilter filter,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var after = 0L;
        while (true)
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var page = await Filtered(db, runId, filter).Where(d => d.Id > after).OrderBy(d => d.Id).Take(5000)
                .Select(d => new { d.Id, d.Recipient, d.Status, d.SkipReason, d.ErrCode, d.ErrMsg, d.MsgId, d.CredentialId, d.Attempts, d.LocalDay, d.FinishedAt })
                .ToListAsync(cancellationToken);
            foreach (var d in page)
            {
                yield return new DeliveryRow(d.Id, d.Recipient, d.Status, d.SkipReason, d.ErrCode, d.ErrMsg, d.MsgId,
                    Delivery.ClientMsgIdOf(d.Id), d.CredentialId, d.Attempts, d.LocalDay, d.FinishedAt);
            }
            if (page.Count < 5000)
            {
                yield break;
            }
            after = page[^1].Id;
        }
    }

    /// <summary>Every finished row of <paramref name="period"/> (all runs, one account or all), in id order, read in pages.</summary>
    public async IAsyncEnumerable<DeliveryRow> StreamFinishedAsync(OutcomePeriod period, int? accountId,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var after = 0L;
        while (true)
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var page = await Finished(db, accountId).Where(d => d.LocalDay >= period.From && d.LocalDay <= period.To && d.Id > after)
                .OrderBy(d => d.Id).Take(5000)
                .Select(d => new { d.Id, d.RunId, d.Recipient, d.Status, d.SkipReason, d.ErrCode, d.ErrMsg, d.MsgId, d.CredentialId, d.Attempts, d.LocalDay, d.FinishedAt })
                .ToListAsync(cancellationToken);
            foreach (var d in page)
            {
                yield return new DeliveryRow(d.Id, d.Recipient, d.Status, d.SkipReason, d.ErrCode, d.ErrMsg, d.MsgId,
                    Delivery.ClientMsgIdOf(d.Id), d.CredentialId, d.Attempts, d.LocalDay, d.FinishedAt, d.RunId);
            }
            if (page.Count < 5000)
            {
                yield break;
            }
            after = page[^1].Id;
        }
    }

    // "The last n days": the rows of the n local days up to today (UTC's today; zones ahead of UTC may already be a day on).
    private OutcomePeriod LastDays(int days) =>
        new(DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime).AddDays(1 - days), DateOnly.MaxValue);

    /// <summary>The outcome tallies (kept by the ledger's triggers, see <see cref="OutcomeTally"/>) of one account or all.</summary>
    private static IQueryable<OutcomeTally> Tallies(PushConsoleDbContext db, int? accountId)
    {
        var query = db.Set<OutcomeTally>().AsNoTracking();
        return accountId is { } id ? query.Where(t => t.AccountId == id) : query;
    }

    private static IQueryable<Delivery> Finished(PushConsoleDbContext db, int? accountId)
    {
        var query = db.Deliveries.AsNoTracking().Where(d => d.Status >= DeliveryStatus.Sent);
        return accountId is { } id ? query.Where(d => d.AccountId == id) : query;
    }

    private static IQueryable<Delivery> Filtered(PushConsoleDbContext db, long runId, DeliveryFilter filter)
    {
        var query = db.Deliveries.AsNoTracking().Where(d => d.RunId == runId);
        if (filter.Status is { } status)
        {
            query = query.Where(d => d.Status == status);
        }
        if (filter.ErrCode is { } code)
        {
            query = query.Where(d => d.ErrCode == code);
        }
        if (!string.IsNullOrWhiteSpace(filter.Recipient))
        {
            var recipient = filter.Recipient.Trim();
            query = query.Where(d => d.Recipient == recipient);
        }
        return query;
    }

    private static async Task<Dictionary<long, RunCounts>> CountsAsync(PushConsoleDbContext db, List<long> runIds, CancellationToken cancellationToken)
    {
        var rows = await db.Deliveries.AsNoTracking().Where(d => runIds.Contains(d.RunId))
            .GroupBy(d => new { d.RunId, d.Status })
            .Select(g => new { g.Key.RunId, g.Key.Status, Count = g.Count() })
            .ToListAsync(cancellationToken);
        return rows.GroupBy(r => r.RunId).ToDictionary(g => g.Key, g =>
        {
            int Of(DeliveryStatus s) => g.Where(r => r.Status == s).Sum(r => r.Count);
            return new RunCounts(Of(DeliveryStatus.Pending), Of(DeliveryStatus.Sending), Of(DeliveryStatus.Sent),
                Of(DeliveryStatus.Failed), Of(DeliveryStatus.Skipped));
        });
    }

    private static RunSummary Summarize(DeliveryRun r, RunCounts counts) => new(r.Id, r.Name, r.Kind, r.CampaignId, r.AccountId, r.Status,
        ServiceText.Show(r.StatusReason), r.HeldUntil, r.ExpectedTotal, r.CreatedAt, r.StartedAt, r.FinishedAt, counts);
}
