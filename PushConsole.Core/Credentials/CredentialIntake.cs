using System.Threading.Channels;
using PushConsole.Persistence;

namespace PushConsole.Credentials;

/// <summary>
/// Stores the formIds and prepay_ids mini programs report. Concurrent reports are group-committed: a writer takes
/// every report waiting in the channel, inserts them in one transaction and only then completes each report, so
/// a result (and the endpoint's 200) always means committed, while the commit cost is shared by the batch.
/// </summary>
public sealed class CredentialIntake : IAsyncDisposable
{
    private readonly CredentialStore store;
    private readonly TimeProvider time;
    private readonly ILogger<CredentialIntake> logger;
    private readonly int maxBatchRows;
    private readonly Channel<PendingReport> pending = Channel.CreateUnbounded<PendingReport>(
        new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
    private readonly Task[] writers;

    internal CredentialIntake(CredentialStore store, DatabaseOptions database, CredentialOptions options, TimeProvider time, ILogger<CredentialIntake> logger)
    {
        this.store = store;
        this.time = time;
        this.logger = logger;
        maxBatchRows = options.MaxBatchRows;
        var count = options.IntakeWriters ?? (database.Provider == DatabaseProvider.Sqlite ? 1 : 2);
        writers = Enumerable.Range(0, count).Select(_ => Task.Run(WriteBatchesAsync)).ToArray();
    }

    /// <summary>Validates and stores one user's report; returns once the stored ids are committed.</summary>
    /// <exception cref="ObjectDisposedException">The console is shutting down.</exception>
    public async Task<IntakeResult> ReportAsync(int accountId, string openId, IReadOnlyList<ReportedCredential> reported, CancellationToken cancellationToken = default)
    {
        var receivedAt = time.GetUtcNow();
        var rows = new List<NewFormId>(reported.Count);
        var rejected = new List<RejectedCredential>();
        var duplicates = 0;
        HashSet<string>? seen = null;
        foreach (var item in reported)
        {
            if (item.Kind is not (CredentialKind.FormId or CredentialKind.PrepayId))
            {
                throw new ArgumentException("Only formIds and prepay_ids are reported; grants come from subscriptions.", nameof(reported));
            }
            if (CredentialRules.RejectionOf(item, receivedAt) is { } reason)
            {
                rejected.Add(new RejectedCredential(item.Value, reason));
                continue;
            }
            // The same id twice in one report is stored once, like a repeat across reports.
            seen ??= new HashSet<string>(StringComparer.Ordinal);
            if (!seen.Add(item.Value))
            {
                duplicates++;
                continue;
            }
            rows.Add(new NewFormId(accountId, openId, item.Kind, item.Value, CredentialRules.UsesOf(item.Kind),
                receivedAt, CredentialRules.ExpiryOf(item, receivedAt)));
        }
        if (rows.Count == 0)
        {
            return new IntakeResult(0, duplicates, rejected);
        }

        var report = new PendingReport(rows);
        if (!pending.Writer.TryWrite(report))
        {
            throw new ObjectDisposedException(nameof(CredentialIntake), "The credential intake is shut down.");
        }
        // Not cancellable once queued: the batch may already be committing it.
        var inserted = await report.Committed.Task.WaitAsync(cancellationToken);
        var accepted = inserted.Count(i => i);
        return new IntakeResult(accepted, duplicates + rows.Count - accepted, rejected);
    }

    private async Task WriteBatchesAsync()
    {
        var batch = new List<PendingReport>();
        var rows = new List<NewFormId>();
        var reader = pending.Reader;
        while (await reader.WaitToReadAsync())
        {
            batch.Clear();
            rows.Clear();
            while (rows.Count < maxBatchRows && reader.TryRead(out var report))
            {
                batch.Add(report);
                rows.AddRange(report.Rows);
            }
            if (batch.Count == 0)
            {
                continue;
            }
            await CommitAsync(batch, rows);
        }
    }

    private async Task CommitAsync(List<PendingReport> batch, List<NewFormId> rows)
    {
        // Two users may report the same id in one batch: the first keeps it, the later one sees a duplicate.
        var firstOf = new Dictionary<(int, string), int>(rows.Count);
        var unique = new List<NewFormId>(rows.Count);
        var slot = new int[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            var key = (rows[i].AccountId, rows[i].Value);
            if (firstOf.TryGetValue(key, out _))
            {
                slot[i] = -1;
                continue;
            }
            firstOf[key] = unique.Count;
            slot[i] = unique.Count;
            unique.Add(rows[i]);
        }
        try
        {
            var inserted = await store.InsertFormIdsAsync(unique, CancellationToken.None);
            var offset = 0;
            foreach (var report in batch)
            {
                var result = new bool[report.Rows.Count];
                for (var j = 0; j < result.Length; j++)
                {
                    var s = slot[offset + j];
                    result[j] = s >= 0 && inserted[s];
                }
                offset += result.Length;
                report.Committed.TrySetResult(result);
            }
        }
        catch (Exception error) when (batch.Count > 1)
        {
            // One report must not fail its neighbours: retry each on its own so only the faulty one fails.
            logger.LogWarning(error, "A group commit of {Reports} reports failed; committing them one by one", batch.Count);
            foreach (var report in batch)
            {
                await CommitAsync([report], [.. report.Rows]);
            }
        }
        catch (Exception error)
        {
            logger.LogError(error, "Storing a report of {Rows} credentials failed", rows.Count);
            batch[0].Committed.TrySetException(error);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Let queued reports commit before the store goes away.
        pending.Writer.TryComplete();
        await Task.WhenAll(writers);
    }

    private sealed class PendingReport(List<NewFormId> rows)
    {
        public List<NewFormId> Rows { get; } = rows;
        public TaskCompletionSource<bool[]> Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
