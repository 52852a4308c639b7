using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using PushConsole.Messages;
using PushConsole.Persistence;

namespace PushConsole.Ledger;

/// <summary>A recipient taken for sending: the ledger row id, who, and the credential it already holds, if any.</summary>
public sealed record TakenDelivery(long Id, string Recipient, long? CredentialId, int Attempts)
{
    public string ClientMsgId => Delivery.ClientMsgIdOf(Id);

    /// <summary>The row's run, where the reader asked for it (a peek over several runs); 0 otherwise.</summary>
    public long RunId { get; init; }
}

/// <summary>The new state of a ledger row after a send attempt (or after a credential was attached to it).</summary>
public sealed record DeliveryUpdate(
    long Id,
    DeliveryStatus Status,
    SkipReason SkipReason = SkipReason.None,
    int? ErrCode = null,
    string? ErrMsg = null,
    long? MsgId = null,
    long? CredentialId = null,
    // Takes the credential off the row (WeChat refused it and no other was attached yet); otherwise a null
    // CredentialId keeps the one the row holds.
    bool DetachCredential = false);

/// <summary>Rows taken for sending, and rows that became Skipped (Capped) in the same step.</summary>
public sealed record TakeResult(IReadOnlyList<TakenDelivery> Taken, IReadOnlyList<TakenDelivery> Capped);

/// <summary>
/// Credentials claimed for a take inside the take's own transaction (<see cref="DeliveryLedger.TakeForSendingAsync"/>):
/// the claim, the take and the return of what the take did not use are one commit (on SQLite one turn of the one
/// writer), and a take that fails undoes the claim with its rollback. The send engine claims through its credential
/// port here; the ledger knows nothing of the pool.
/// </summary>
public interface ITakeClaims
{
    /// <summary>
    /// Before the take statement (after the account lock when a daily cap applies), on <paramref name="db"/>'s
    /// connection inside its transaction: claims credentials for the rows and returns, by row id, the one claimed for
    /// each row that got one.
    /// </summary>
    Task<IReadOnlyDictionary<long, long>> ClaimAsync(PushConsoleDbContext db, CancellationToken cancellationToken);

    /// <summary>After the take statement, in the same transaction: gives back the claims the take did not attach.</summary>
    Task ReleaseUnusedAsync(PushConsoleDbContext db, TakeResult take, CancellationToken cancellationToken);
}

public sealed record RunCounts(int Pending, int Sending, int Sent, int Failed, int Skipped)
{
    public int Total => Pending + Sending + Sent + Failed + Skipped;
    public int Done => Sent + Failed + Skipped;
}

/// <summary>
/// The delivery ledger: runs, their rows and the rows' outcomes. What EF Core can express is written here in LINQ
/// (ExecuteUpdate for set-based changes); the statements whose SQL depends on the database (bulk inserts, takes that
/// lock rows, batch updates) are in one <see cref="LedgerStore"/> per provider. Every write takes its turn at the one
/// <see cref="WriteGate"/> (SQLite has a single writer).
/// </summary>
public sealed class DeliveryLedger
{
    private readonly IDbContextFactory<PushConsoleDbContext> contexts;
    private readonly TimeProvider time;
    private readonly WriteGate writes;
    private readonly LedgerStore store;

    public DeliveryLedger(IDbContextFactory<PushConsoleDbContext> contexts, DatabaseOptions database, TimeProvider time, WriteGate? writeGate = null)
    {
        this.contexts = contexts;
        this.time = time;
        writes = writeGate ?? new WriteGate(database);
        store = ProviderStores.Ledger(database.Provider);
    }

    /// <summary>
    /// Returns the run for this fire key, creating it if it does not exist. Two callers with the same key (a duplicate
    /// trigger fire, two nodes) get the same run.
    /// </summary>
    public async Task<DeliveryRun> OpenRunAsync(DeliveryRun proposed, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var existing = await db.Set<DeliveryRun>().AsNoTracking().SingleOrDefaultAsync(r => r.FireKey == proposed.FireKey, cancellationToken);
        if (existing is not null)
        {
            return existing;
        }
        proposed.CreatedAt = time.GetUtcNow();
        db.Add(proposed);
        try
        {
            using var turn = await writes.EnterAsync(cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            return proposed;
        }
        catch (DbUpdateException)
        {
            // Lost the race to another caller with the same key: theirs is the run.
            await using var again = await contexts.CreateDbContextAsync(cancellationToken);
            return await again.Set<DeliveryRun>().AsNoTracking().SingleAsync(r => r.FireKey == proposed.FireKey, cancellationToken);
        }
    }

    /// <summary>
    /// Records transactional messages with their one-recipient runs and Pending rows inside the caller's open transaction:
    /// a whole lane's batch of them in one commit (see <c>MessageLanes</c>). Sets each message's Id and RunId (the run is
    /// <paramref name="runOf"/> the message, once it has its Id). The caller holds its write turn (<see cref="WriteGate"/>)
    /// for the whole transaction. A unique Idempotency-Key recorded meanwhile throws <see cref="DbUpdateException"/>.
    /// </summary>
    public async Task OpenMessagesInAsync(PushConsoleDbContext db, IReadOnlyList<TransactionalMessage> messages,
        Func<TransactionalMessage, DeliveryRun> runOf, DateOnly localDay, CancellationToken cancellationToken = default)
    {
        var transaction = (db.Database.CurrentTransaction
            ?? throw new InvalidOperationException("A run opened with the caller's writes needs the caller's transaction.")).GetDbTransaction();
        var connection = db.Database.GetDbConnection();
        // Whole statements for the lot (messages, runs, tallies, rows, then each message's run), not one per message: a
        // lane's batch opens in four commands however many messages it holds (per 1,000).
        await store.InsertMessagesAsync(connection, transaction, messages, cancellationToken);
        var runs = messages.Select(m => (Run: runOf(m), Recipient: m.OpenId)).ToList();
        await store.OpenRunsAsync(connection, transaction, runs, localDay, time.GetUtcNow(), cancellationToken);
        // The message is inserted before its run (the run's fire key is the message's id), so it learns its run after.
        await store.PointMessagesAsync(connection, transaction, messages.Select((m, i) => (m.Id, runs[i].Run.Id)).ToList(), cancellationToken);
        for (var i = 0; i < messages.Count; i++)
        {
            messages[i].RunId = runs[i].Run.Id;
        }
    }

    /// <summary>Adds Pending rows for recipients not yet in the run; returns how many were new.</summary>
    public async Task<int> AddRecipientsAsync(DeliveryRun run, IReadOnlyList<string> recipients, DateOnly localDay, CancellationToken cancellationToken = default)
    {
        if (recipients.Count == 0)
        {
            return 0;
        }
        var distinct = recipients.Distinct(StringComparer.Ordinal).ToList();
        using var turn = await writes.EnterAsync(cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var connection = db.Database.GetDbConnection();
        var added = await store.AddRecipientsAsync(connection, transaction.GetDbTransaction(), run.Id, run.AccountId, distinct, localDay, time.GetUtcNow(), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return added;
    }

    /// <summary>
    /// Moves up to <paramref name="max"/> Pending rows of the run to Sending and returns them. Only the caller that
    /// made that move may send them; a concurrent caller (another node, a duplicate fire) gets other rows or none.
    /// </summary>
    public async Task<IReadOnlyList<TakenDelivery>> TakePendingAsync(long runId, int max, CancellationToken cancellationToken = default)
    {
        using var turn = await writes.EnterAsync(cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var connection = await OpenAsync(db, cancellationToken);
        return await store.TakePendingAsync(connection, runId, max, time.GetUtcNow(), cancellationToken);
    }

    /// <summary>The next Pending rows of the run, read without taking them (see <see cref="TakeForSendingAsync"/>).</summary>
    public async Task<IReadOnlyList<TakenDelivery>> PeekPendingAsync(long runId, int max, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Deliveries.AsNoTracking().Where(d => d.RunId == runId && d.Status == DeliveryStatus.Pending)
            .OrderBy(d => d.Id).Take(max)
            .Select(d => new TakenDelivery(d.Id, d.Recipient, d.CredentialId, d.Attempts))
            .ToListAsync(cancellationToken);
    }

    /// <summary>
    /// The next Pending rows of several runs (one-recipient runs executed together, see <c>RunExecutor.ExecuteManyAsync</c>),
    /// each with its run, read without taking them.
    /// </summary>
    public async Task<IReadOnlyList<TakenDelivery>> PeekPendingAsync(IReadOnlyCollection<long> runIds, int max, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Deliveries.AsNoTracking().Where(d => runIds.Contains(d.RunId) && d.Status == DeliveryStatus.Pending)
            .OrderBy(d => d.Id).Take(max)
            .Select(d => new TakenDelivery(d.Id, d.Recipient, d.CredentialId, d.Attempts) { RunId = d.RunId })
            .ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Which of these users already have <paramref name="dailyCap"/> messages of the account Sent or Sending on the
    /// local day: a read to skip claiming credentials for them (the take checks the cap again, atomically).
    /// </summary>
    public async Task<IReadOnlySet<string>> AtDailyCapAsync(int accountId, IReadOnlyCollection<string> recipients, DateOnly localDay, int dailyCap,
        CancellationToken cancellationToken = default)
    {
        if (recipients.Count == 0)
        {
            return new HashSet<string>(StringComparer.Ordinal);
        }
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var connection = await OpenAsync(db, cancellationToken);
        return await store.AtDailyCapAsync(connection, accountId, recipients, localDay, dailyCap, cancellationToken);
    }

    /// <summary>
    /// Takes these rows of the run (those still Pending: another sender may have taken some) for sending on the
    /// account-local day <paramref name="localDay"/>, attaching the credential given for each in the same write, and
    /// applies the per-user daily cap in the same step: a row whose user already has <paramref name="dailyCap"/> rows
    /// of the account Sent or Sending that day, in any run, becomes Skipped (Capped) instead, without the credential.
    /// The check and the take are one serialized step per account (the store's account lock), so two runs reaching the
    /// same user at once cannot both pass the cap. The rows must carry <paramref name="localDay"/> already
    /// (<see cref="RestampPendingAsync"/>).
    /// </summary>
    /// <param name="runId">The run the rows belong to; null for rows of several runs of the account executed together.</param>
    /// <param name="rows">Row ids, each with the credential claimed for it (null: none, or keep the one it holds).</param>
    /// <param name="claims">Credentials to claim for the rows inside this transaction, before the take statement (a
    /// row's claimed credential replaces the one given in <paramref name="rows"/>), and to give back after it when the
    /// take did not attach them; null: the rows carry their credentials already.</param>
    public async Task<TakeResult> TakeForSendingAsync(long? runId, int accountId, IReadOnlyList<(long DeliveryId, long? CredentialId)> rows,
        DateOnly localDay, int? dailyCap, ITakeClaims? claims = null, CancellationToken cancellationToken = default)
    {
        if (rows.Count == 0)
        {
            return new TakeResult([], []);
        }
        using var turn = await writes.EnterAsync(cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var connection = db.Database.GetDbConnection();
        if (dailyCap is not null)
        {
            await store.LockAccountAsync(connection, transaction.GetDbTransaction(), accountId, cancellationToken);
        }
        if (claims is not null)
        {
            // One commit for the claim and the take. Should anything fail before the commit, the rollback (the
            // transaction's dispose) undoes the claim with the take: every claimed use is back in the pool, with its
            // tallies, and there is nothing to give back by hand.
            var claimed = await claims.ClaimAsync(db, cancellationToken);
            rows = rows.Select(r => claimed.TryGetValue(r.DeliveryId, out var credential) ? (r.DeliveryId, (long?)credential) : r).ToList();
        }
        var result = await store.TakeForSendingAsync(connection, transaction.GetDbTransaction(), runId, accountId, rows, localDay, dailyCap, time.GetUtcNow(), cancellationToken);
        if (claims is not null)
        {
            await claims.ReleaseUnusedAsync(db, result, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    /// <summary>
    /// Moves the run's Pending rows to the account-local day they are about to be sent on, when a run goes on past
    /// the day its audience was written (held overnight, or running over midnight): the daily cap counts each send
    /// toward the day it goes out. Called when the day changes, not per batch.
    /// </summary>
    public Task<int> RestampPendingAsync(long runId, DateOnly localDay, CancellationToken cancellationToken = default) =>
        RestampPendingAsync([runId], localDay, cancellationToken);

    /// <summary>As <see cref="RestampPendingAsync(long, DateOnly, CancellationToken)"/>, for several runs executed together.</summary>
    public async Task<int> RestampPendingAsync(IReadOnlyCollection<long> runIds, DateOnly localDay, CancellationToken cancellationToken = default)
    {
        using var turn = await writes.EnterAsync(cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Set<Delivery>().Where(d => runIds.Contains(d.RunId) && d.Status == DeliveryStatus.Pending && d.LocalDay != localDay)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.LocalDay, localDay), cancellationToken);
    }

    /// <summary>
    /// Records the credential each row is about to be sent with, before the send, so a resend after a crash uses the
    /// same one. Touches no indexed column: cheaper than a full <see cref="UpdateAsync"/>.
    /// </summary>
    public async Task AttachCredentialsAsync(IReadOnlyList<(long DeliveryId, long CredentialId)> rows, CancellationToken cancellationToken = default)
    {
        if (rows.Count == 0)
        {
            return;
        }
        using var turn = await writes.EnterAsync(cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var connection = db.Database.GetDbConnection();
        await store.AttachCredentialsAsync(connection, transaction.GetDbTransaction(), rows, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// The one outcome writer of every run: writes the outcome of sends to rows still in Sending (a row recorded
    /// twice, or requeued meanwhile, changes once) and moves the runs' tallies by what changed, in one transaction.
    /// <paramref name="oneRowRuns"/>: runs of a single row (transactional messages); a run whose row gets its final
    /// outcome here is completed in the same transaction (as <see cref="CompleteRunsAsync"/> would, one commit later)
    /// and its rows say so (<see cref="RecordedDelivery.RunCompleted"/>).
    /// </summary>
    public async Task<IReadOnlyList<RecordedDelivery>> UpdateAsync(IReadOnlyList<DeliveryUpdate> updates, IReadOnlySet<long>? oneRowRuns = null,
        CancellationToken cancellationToken = default)
    {
        if (updates.Count == 0)
        {
            return [];
        }
        using var turn = await writes.EnterAsync(cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var connection = db.Database.GetDbConnection();
        // Whole microseconds, as PostgreSQL keeps them: the time handed back with the rows is the time a read finds.
        var now = time.GetUtcNow();
        now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
        var recorded = await store.RecordAsync(connection, transaction.GetDbTransaction(), updates, now, cancellationToken);
        var ended = oneRowRuns is null ? []
            : recorded.Where(r => r.Status is not (DeliveryStatus.Pending or DeliveryStatus.Sending) && oneRowRuns.Contains(r.RunId))
                .Select(r => r.RunId).Distinct().ToList();
        // A completed run's tally is counted from its rows: it needs no move.
        var completed = ended.Count == 0 ? new HashSet<long>() : await CompleteInAsync(db, ended, now, cancellationToken);
        // Runs that moved by the same amounts share one statement: a batch of transactional messages (a run each, one
        // row each) moves all its tallies in one update instead of one per message.
        var moves = recorded.Where(r => !completed.Contains(r.RunId)).GroupBy(r => r.RunId).Select(run => (
                RunId: run.Key,
                Sent: run.Count(r => r.Status == DeliveryStatus.Sent),
                Failed: run.Count(r => r.Status == DeliveryStatus.Failed),
                Unfollowed: run.Count(r => r.Status == DeliveryStatus.Failed && r.ErrCode == RunTally.UnfollowedErrCode)))
            .Where(m => m.Sent + m.Failed > 0);
        foreach (var same in moves.GroupBy(m => (m.Sent, m.Failed, m.Unfollowed)))
        {
            var (sent, failed, unfollowed) = same.Key;
            var runIds = same.Select(m => m.RunId).ToList();
            await db.Set<RunTally>().Where(t => runIds.Contains(t.RunId)).ExecuteUpdateAsync(s => s
                .SetProperty(t => t.Sent, t => t.Sent + sent)
                .SetProperty(t => t.Failed, t => t.Failed + failed)
                .SetProperty(t => t.Unfollowed, t => t.Unfollowed + unfollowed), cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return recorded.Select(r => r.Status is DeliveryStatus.Pending or DeliveryStatus.Sending ? r
            : r with { FinishedAt = now, RunCompleted = completed.Contains(r.RunId) }).ToList();
    }

    /// <summary>Creates the run's tally if it has none (every node calls this; one row results).</summary>
    public async Task EnsureTallyAsync(long runId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (await db.Set<RunTally>().AnyAsync(t => t.RunId == runId, cancellationToken))
        {
            return;
        }
        db.Add(new RunTally { RunId = runId });
        try
        {
            using var turn = await writes.EnterAsync(cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another node created it first.
        }
    }

    /// <summary>Counts the run's rows once, when it has ended, and makes the tally exact (it also learns skipped rows and the total).</summary>
    public async Task RecountAsync(long runId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.Deliveries.Where(d => d.RunId == runId)
            .GroupBy(d => new { d.Status, Unfollowed = d.ErrCode == RunTally.UnfollowedErrCode })
            .Select(g => new { g.Key.Status, g.Key.Unfollowed, Count = g.Count() })
            .ToListAsync(cancellationToken);
        int Sum(Func<DeliveryStatus, bool> status, bool? unfollowed = null) =>
            rows.Where(r => status(r.Status) && (unfollowed is null || r.Unfollowed == unfollowed)).Sum(r => r.Count);
        await EnsureTallyAsync(runId, cancellationToken);
        int sent = Sum(x => x == DeliveryStatus.Sent), failed = Sum(x => x == DeliveryStatus.Failed),
            unfollowedCount = Sum(x => x == DeliveryStatus.Failed, true), skipped = Sum(x => x == DeliveryStatus.Skipped), all = Sum(_ => true);
        using var turn = await writes.EnterAsync(cancellationToken);
        await db.Set<RunTally>().Where(t => t.RunId == runId).ExecuteUpdateAsync(s => s
            .SetProperty(t => t.Sent, sent)
            .SetProperty(t => t.Failed, failed)
            .SetProperty(t => t.Unfollowed, unfollowedCount)
            .SetProperty(t => t.Skipped, skipped)
            .SetProperty(t => t.Rows, all), cancellationToken);
    }

    /// <summary>
    /// Puts rows left in Sending by a process that died back to Pending (keeping their credential), so a resumed run
    /// sends them again. Only rows taken longer ago than <paramref name="olderThan"/> are touched, so a live sender's
    /// rows are left alone.
    /// </summary>
    public async Task<int> RequeueAbandonedAsync(long runId, TimeSpan olderThan, CancellationToken cancellationToken = default)
    {
        var cutoff = time.GetUtcNow() - olderThan;
        using var turn = await writes.EnterAsync(cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Set<Delivery>().Where(d => d.RunId == runId && d.Status == DeliveryStatus.Sending && d.SendingSince < cutoff)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Pending), cancellationToken);
    }

    /// <summary>Marks every Pending row of a canceled run as skipped, so the counts add up to the audience.</summary>
    public async Task<int> SkipPendingAsync(long runId, SkipReason reason, CancellationToken cancellationToken = default)
    {
        using var turn = await writes.EnterAsync(cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        return await db.Set<Delivery>().Where(d => d.RunId == runId && d.Status == DeliveryStatus.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Skipped)
                .SetProperty(d => d.SkipReason, reason).SetProperty(d => d.FinishedAt, now), cancellationToken);
    }

    /// <summary>Takes the credentials off these rows (given back to the pool by the caller), whatever their status.</summary>
    public async Task DetachCredentialsAsync(IReadOnlyCollection<long> deliveryIds, CancellationToken cancellationToken = default)
    {
        using var turn = await writes.EnterAsync(cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        foreach (var chunk in deliveryIds.Chunk(1000))
        {
            await db.Set<Delivery>().Where(d => chunk.Contains(d.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.CredentialId, (long?)null), cancellationToken);
        }
    }

    /// <summary>Counts by status, straight from the rows.</summary>
    public async Task<RunCounts> CountAsync(long runId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var counts = await db.Set<Delivery>().Where(d => d.RunId == runId)
            .GroupBy(d => d.Status).Select(g => new { Status = g.Key, Count = g.Count() })
            .ToDictionaryAsync(x => x.Status, x => x.Count, cancellationToken);
        int Of(DeliveryStatus s) => counts.GetValueOrDefault(s);
        return new RunCounts(Of(DeliveryStatus.Pending), Of(DeliveryStatus.Sending), Of(DeliveryStatus.Sent),
            Of(DeliveryStatus.Failed), Of(DeliveryStatus.Skipped));
    }

    /// <summary>Counts by status of several runs in one statement (runs without rows are absent).</summary>
    public async Task<IReadOnlyDictionary<long, RunCounts>> CountAsync(IReadOnlyCollection<long> runIds, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.Set<Delivery>().Where(d => runIds.Contains(d.RunId))
            .GroupBy(d => new { d.RunId, d.Status }).Select(g => new { g.Key.RunId, g.Key.Status, Count = g.Count() })
            .ToListAsync(cancellationToken);
        return rows.GroupBy(r => r.RunId).ToDictionary(run => run.Key, run =>
        {
            int Of(DeliveryStatus s) => run.Where(r => r.Status == s).Sum(r => r.Count);
            return new RunCounts(Of(DeliveryStatus.Pending), Of(DeliveryStatus.Sending), Of(DeliveryStatus.Sent),
                Of(DeliveryStatus.Failed), Of(DeliveryStatus.Skipped));
        });
    }

    /// <summary>
    /// Completes these runs (those still Running: a pause or cancel made meanwhile stays) and makes their tallies exact
    /// from their rows, in one transaction of two statements whatever the number of runs: what one-recipient runs
    /// executed together (transactional messages) pay once for the batch instead of once per run. Returns how many runs
    /// it moved; a run without a tally gets none here (<see cref="RecountAsync"/> creates it).
    /// </summary>
    public async Task<int> CompleteRunsAsync(IReadOnlyCollection<long> runIds, CancellationToken cancellationToken = default)
    {
        if (runIds.Count == 0)
        {
            return 0;
        }
        var now = time.GetUtcNow();
        using var turn = await writes.EnterAsync(cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var moved = await MoveToCompletedAsync(db.DeliveryRuns.Where(r => runIds.Contains(r.Id)), now, cancellationToken);
        await RecountTalliesAsync(db, runIds, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return moved;
    }

    /// <summary>
    /// Within the caller's transaction: completes those of these Running runs that have no row left to send, with their
    /// tallies made exact; returns the ones it completed.
    /// </summary>
    private static async Task<HashSet<long>> CompleteInAsync(PushConsoleDbContext db, List<long> runIds, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var open = db.Deliveries;
        var moved = await MoveToCompletedAsync(db.DeliveryRuns.Where(r => runIds.Contains(r.Id)
            && !open.Any(d => d.RunId == r.Id && (d.Status == DeliveryStatus.Pending || d.Status == DeliveryStatus.Sending))), now, cancellationToken);
        if (moved == 0)
        {
            return new HashSet<long>();
        }
        // Usually all of them; otherwise (one canceled or ended meanwhile) the ones this update moved: read in the same
        // transaction, by the time it wrote.
        var completed = moved == runIds.Count ? runIds
            : await db.DeliveryRuns.Where(r => runIds.Contains(r.Id) && r.Status == RunStatus.Completed && r.FinishedAt == now)
                .Select(r => r.Id).ToListAsync(cancellationToken);
        if (await RecountTalliesAsync(db, completed, cancellationToken) < completed.Count)
        {
            // A run opened without its tally (OpenRunAsync leaves it to the first count): given one here, then counted.
            var counted = await db.Set<RunTally>().Where(t => completed.Contains(t.RunId)).Select(t => t.RunId).ToListAsync(cancellationToken);
            db.AddRange(completed.Except(counted).Select(id => new RunTally { RunId = id }));
            await db.SaveChangesAsync(cancellationToken);
            await RecountTalliesAsync(db, completed, cancellationToken);
        }
        return completed.ToHashSet();
    }

    /// <summary>Those of <paramref name="runs"/> still Running become Completed at <paramref name="now"/>; returns how many.</summary>
    private static Task<int> MoveToCompletedAsync(IQueryable<DeliveryRun> runs, DateTimeOffset now, CancellationToken cancellationToken) =>
        runs.Where(r => r.Status == RunStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Completed).SetProperty(r => r.FinishedAt, now)
                .SetProperty(r => r.Version, r => r.Version + 1), cancellationToken);

    /// <summary>The runs' tallies counted from their rows, once they have ended (skipped rows and the total too).</summary>
    private static Task<int> RecountTalliesAsync(PushConsoleDbContext db, IReadOnlyCollection<long> runIds, CancellationToken cancellationToken)
    {
        var rows = db.Deliveries;
        return db.Set<RunTally>().Where(t => runIds.Contains(t.RunId)).ExecuteUpdateAsync(s => s
            .SetProperty(t => t.Sent, t => rows.Count(d => d.RunId == t.RunId && d.Status == DeliveryStatus.Sent))
            .SetProperty(t => t.Failed, t => rows.Count(d => d.RunId == t.RunId && d.Status == DeliveryStatus.Failed))
            .SetProperty(t => t.Unfollowed, t => rows.Count(d => d.RunId == t.RunId && d.Status == DeliveryStatus.Failed
                && d.ErrCode == RunTally.UnfollowedErrCode))
            .SetProperty(t => t.Skipped, t => rows.Count(d => d.RunId == t.RunId && d.Status == DeliveryStatus.Skipped))
            .SetProperty(t => t.Rows, t => rows.Count(d => d.RunId == t.RunId)), cancellationToken);
    }

    /// <summary>
    /// How many messages each of these users has been sent (or is being sent) on a local day by this account, across
    /// runs: the per-user daily cap.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, int>> SentOnDayAsync(int accountId, IReadOnlyCollection<string> recipients, DateOnly localDay, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var chunk in recipients.Chunk(500))
        {
            var rows = await db.Set<Delivery>()
                .Where(d => d.AccountId == accountId && d.LocalDay == localDay && chunk.Contains(d.Recipient)
                    && (d.Status == DeliveryStatus.Sent || d.Status == DeliveryStatus.Sending))
                .GroupBy(d => d.Recipient).Select(g => new { Recipient = g.Key, Count = g.Count() })
                .ToListAsync(cancellationToken);
            foreach (var row in rows)
            {
                result[row.Recipient] = row.Count;
            }
        }
        return result;
    }

    private static async Task<DbConnection> OpenAsync(PushConsoleDbContext db, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        return db.Database.GetDbConnection();
    }
}
