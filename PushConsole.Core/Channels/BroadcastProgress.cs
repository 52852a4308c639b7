using Microsoft.EntityFrameworkCore;
using PushConsole.Ledger;
using PushConsole.Persistence;

namespace PushConsole.Channels;

/// <summary>How many ledger rows of a run ended how, by status and errcode.</summary>
public sealed record OutcomeCount(DeliveryStatus Status, int? ErrCode, int Count);

/// <summary>Where a broadcast stands; the total is user/get's follower count until the run ends, then its ledger rows.</summary>
public sealed record BroadcastCounts(long RunId, int Sent, int Failed, int Unfollowed, int Pending, int Skipped, int Rows, int? ExpectedTotal,
    bool AudienceComplete, bool Finished = false)
{
    /// <summary>WeChat's 43004 "require subscribe": the follower left between paging and sending.</summary>
    public const int UnfollowedErrCode = RunTally.UnfollowedErrCode;

    public int Done => Sent + Failed + Skipped;
    /// <summary>The bar's whole: the followers WeChat counted (or the rows met, if more), and the rows once the run ended.</summary>
    public int Total => Finished ? Rows : Math.Max(ExpectedTotal ?? 0, Rows);
    public double Percent => Total == 0 ? (AudienceComplete ? 100 : 0) : Math.Min(100, 100.0 * Done / Total);

    /// <summary>The broadcast's end in words, as stored text (<see cref="ServiceText.Stored"/>).</summary>
    public string Summary => ServiceText.Stored(Skipped > 0 ? "Broadcast.SummaryNotSent" : "Broadcast.Summary",
        N(Sent), N(Total), N(Unfollowed), N(Failed - Unfollowed), N(Skipped));

    private static string N(int value) => value.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Reads broadcast progress and ledger rows for the screens and the API.</summary>
public sealed class BroadcastProgress(IDbContextFactory<PushConsoleDbContext> contexts)
{
    /// <summary>From the run's tally (one row), so polling it costs the same for a hundred followers or a million.</summary>
    public async Task<BroadcastCounts?> CountsAsync(long? runId, CancellationToken cancellationToken = default)
    {
        if (runId is not long id)
        {
            return null;
        }
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var run = await db.DeliveryRuns.AsNoTracking().Where(r => r.Id == id)
            .Select(r => new { r.Status, r.ExpectedTotal, r.AudienceComplete }).SingleOrDefaultAsync(cancellationToken);
        if (run is null)
        {
            return null;
        }
        var finished = run.Status is RunStatus.Completed or RunStatus.Canceled or RunStatus.Failed;
        var tally = await db.Set<RunTally>().AsNoTracking().SingleOrDefaultAsync(t => t.RunId == id, cancellationToken);
        if (tally is null)
        {
            return new BroadcastCounts(id, 0, 0, 0, run.ExpectedTotal ?? 0, 0, 0, run.ExpectedTotal, run.AudienceComplete);
        }
        finished &= tally.Rows > 0 || run.AudienceComplete;
        var counts = new BroadcastCounts(id, tally.Sent, tally.Failed, tally.Unfollowed, 0, tally.Skipped, tally.Rows, run.ExpectedTotal,
            run.AudienceComplete, finished);
        return counts with { Pending = finished ? 0 : Math.Max(0, counts.Total - counts.Done) };
    }

    /// <summary>Rows by status, and failed rows by errcode (the only ones whose errcode is news).</summary>
    public async Task<IReadOnlyList<OutcomeCount>> OutcomesAsync(long runId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        // Both read the (RunId, Status, Id) index; only failed rows are looked up for their errcode.
        var byStatus = await db.Deliveries.Where(d => d.RunId == runId).GroupBy(d => d.Status)
            .Select(g => new { Status = g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        var failed = await db.Deliveries.Where(d => d.RunId == runId && d.Status == DeliveryStatus.Failed).GroupBy(d => d.ErrCode)
            .Select(g => new { ErrCode = g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        return byStatus.Where(s => s.Status != DeliveryStatus.Failed).Select(s => new OutcomeCount(s.Status, null, s.Count))
            .Concat(failed.Select(f => new OutcomeCount(DeliveryStatus.Failed, f.ErrCode, f.Count)))
            .OrderBy(o => o.Status).ThenBy(o => o.ErrCode).ToList();
    }

    /// <summary>One page of a run's ledger rows, optionally of one status and/or errcode, in row order.</summary>
    /// <summary>
    /// A page of the broadcast's sends, filtered in the database; <paramref name="search"/> is a part of the openid in any case,
    /// or an errcode when it is a number.
    /// </summary>
    public async Task<(IReadOnlyList<Delivery> Rows, int Total)> DeliveriesAsync(long runId, DeliveryStatus? status, int? errCode,
        string? search, int skip, int take, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = db.Deliveries.AsNoTracking().Where(d => d.RunId == runId);
        if (!string.IsNullOrWhiteSpace(search))
        {
            var needle = search.Trim().ToLower();
            query = int.TryParse(needle, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var code)
                ? query.Where(d => d.Recipient.ToLower().Contains(needle) || d.ErrCode == code)
                : query.Where(d => d.Recipient.ToLower().Contains(needle));
        }
        if (status is { } s)
        {
            query = query.Where(d => d.Status == s);
        }
        if (errCode is { } e)
        {
            query = query.Where(d => d.ErrCode == e);
        }
        var total = await query.CountAsync(cancellationToken);
        var rows = await query.OrderBy(d => d.Id).Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 1, 500)).ToListAsync(cancellationToken);
        return (rows, total);
    }

    /// <summary>The runs of a channel, newest first (one per occurrence that fired).</summary>
    public async Task<IReadOnlyList<DeliveryRun>> RunsAsync(int channelId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.DeliveryRuns.AsNoTracking().Where(r => r.ChannelId == channelId && r.Kind == RunKind.Broadcast)
            .OrderByDescending(r => r.Id).ToListAsync(cancellationToken);
    }
}
