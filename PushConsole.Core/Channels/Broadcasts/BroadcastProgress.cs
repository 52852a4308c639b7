using Microsoft.EntityFrameworkCore;
using PushConsole.Ledger;
using PushConsole.Persistence;

namespace PushConsole.Channels.Broadcasts;

/// <summary>How many ledger rows of a run ended how, by status and errcode.</summary>
public sealed record OutcomeCount(DeliveryStatus Status, int? ErrCode, int Count);

/// <summary>Where a broadcast stands, counted from its ledger rows; the total is user/get's follower count.</summary>
public sealed record BroadcastCounts(long RunId, int Sent, int Failed, int Unfollowed, int Pending, int Skipped, int Rows, int? ExpectedTotal,
    bool AudienceComplete)
{
    /// <summary>WeChat's 43004 "require subscribe": the follower left between paging and sending.</summary>
    public const int UnfollowedErrCode = 43004;

    public int Done => Sent + Failed + Skipped;
    /// <summary>The bar's whole: the followers WeChat counted, or the rows if more were met meanwhile.</summary>
    public int Total => Math.Max(ExpectedTotal ?? 0, Rows);
    public double Percent => Total == 0 ? (AudienceComplete ? 100 : 0) : Math.Min(100, 100.0 * Done / Total);

    public string Summary =>
        $"Sent to {Sent:N0} of {Total:N0} followers; {Unfollowed:N0} had unfollowed (43004), {Failed - Unfollowed:N0} other failures" +
        (Skipped > 0 ? $", {Skipped:N0} not sent." : ".");
}

/// <summary>Reads broadcast progress and ledger rows for the screens and the API. Finished runs are cached: they no longer change.</summary>
public sealed class BroadcastProgress(IDbContextFactory<PushConsoleDbContext> contexts)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, BroadcastCounts> finished = new();

    public async Task<BroadcastCounts?> CountsAsync(long? runId, CancellationToken cancellationToken = default)
    {
        if (runId is not long id)
        {
            return null;
        }
        if (finished.TryGetValue(id, out var cached))
        {
            return cached;
        }
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var run = await db.DeliveryRuns.AsNoTracking().Where(r => r.Id == id)
            .Select(r => new { r.Status, r.ExpectedTotal, r.AudienceComplete }).SingleOrDefaultAsync(cancellationToken);
        if (run is null)
        {
            return null;
        }
        var outcomes = await OutcomesAsync(db, id, cancellationToken);
        int Sum(Func<OutcomeCount, bool> which) => outcomes.Where(which).Sum(o => o.Count);
        var counts = new BroadcastCounts(id,
            Sent: Sum(o => o.Status == DeliveryStatus.Sent),
            Failed: Sum(o => o.Status == DeliveryStatus.Failed),
            Unfollowed: Sum(o => o.Status == DeliveryStatus.Failed && o.ErrCode == BroadcastCounts.UnfollowedErrCode),
            Pending: Sum(o => o.Status is DeliveryStatus.Pending or DeliveryStatus.Sending),
            Skipped: Sum(o => o.Status == DeliveryStatus.Skipped),
            Rows: Sum(_ => true),
            run.ExpectedTotal, run.AudienceComplete);
        if (run.Status is RunStatus.Completed or RunStatus.Canceled or RunStatus.Failed && counts.Pending == 0)
        {
            finished[id] = counts;
        }
        return counts;
    }

    public async Task<IReadOnlyList<OutcomeCount>> OutcomesAsync(long runId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await OutcomesAsync(db, runId, cancellationToken);
    }

    private static async Task<IReadOnlyList<OutcomeCount>> OutcomesAsync(PushConsoleDbContext db, long runId, CancellationToken cancellationToken) =>
        (await db.Deliveries.Where(d => d.RunId == runId)
            .GroupBy(d => new { d.Status, d.ErrCode })
            .Select(g => new { g.Key.Status, g.Key.ErrCode, Count = g.Count() })
            .ToListAsync(cancellationToken))
        .Select(o => new OutcomeCount(o.Status, o.ErrCode, o.Count))
        .OrderBy(o => o.Status).ThenBy(o => o.ErrCode).ToList();

    /// <summary>One page of a run's ledger rows, optionally of one status and/or errcode, in row order.</summary>
    public async Task<(IReadOnlyList<Delivery> Rows, int Total)> DeliveriesAsync(long runId, DeliveryStatus? status, int? errCode,
        int skip, int take, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = db.Deliveries.AsNoTracking().Where(d => d.RunId == runId);
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
