using Microsoft.EntityFrameworkCore;
using PushConsole.Persistence;
using Quartz;

namespace PushConsole.Credentials;

public sealed record SweepResult(int Expired, int DeletedCredentials, int DeletedEvents);

/// <summary>
/// Tidies the pool: marks credentials past their expiry as expired (claims and figures already ignore them,
/// so nothing depends on how late this runs) and deletes closed credentials and activity events older than the
/// retention period, so the tables stay bounded. Works in chunks to keep each write transaction short.
/// </summary>
public sealed class CredentialSweep(IDbContextFactory<PushConsoleDbContext> contexts, CredentialOptions options, TimeProvider time, ILogger<CredentialSweep> logger)
{
    private const int Chunk = 5000;

    public async Task<SweepResult> RunAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var cutoff = now - TimeSpan.FromDays(options.RetentionDays);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var accounts = await db.Accounts.AsNoTracking().Select(a => a.Id).ToListAsync(cancellationToken);
        int expired = 0, deleted = 0, events = 0;
        foreach (var accountId in accounts)
        {
            // Per account, so each statement walks the pool's (AccountId, ExpiresAt) index and the record's (AccountId, ReceivedAt).
            // Each chunk changes the rows, their pool rows and the tallies in one transaction (TallyWriter.ChangeAsync).
            expired += await RepeatAsync(async () =>
            {
                var lapsed = await db.AvailableCredentials.Where(a => a.AccountId == accountId && a.ExpiresAt != null && a.ExpiresAt <= now)
                    .OrderBy(a => a.CredentialId).Select(a => a.CredentialId).Take(Chunk).ToListAsync(cancellationToken);
                return lapsed.Count == 0 ? 0 : await TallyWriter.ChangeAsync(db,
                    c => lapsed.Contains(c.Id) && c.Status == CredentialStatus.Available && c.ExpiresAt != null && c.ExpiresAt <= now,
                    rows => rows.ExecuteUpdateAsync(s => s
                        .SetProperty(c => c.Status, CredentialStatus.Expired)
                        // Closed at the moment it expired, so the daily-expiry chart and retention count from then.
                        .SetProperty(c => c.ClosedAt, c => c.ExpiresAt), cancellationToken), cancellationToken);
            });
            deleted += await RepeatAsync(() => TallyWriter.ChangeAsync(db,
                // A credential closes after it arrives: "ReceivedAt < cutoff" lets the received index find the candidates.
                c => c.AccountId == accountId && c.ReceivedAt < cutoff && c.Status != CredentialStatus.Available && c.ClosedAt < cutoff,
                rows => rows.ExecuteDeleteAsync(cancellationToken), cancellationToken, Chunk));
        }
        events = await RepeatAsync(() => db.ActivityEvents
            .Where(e => e.OccurredAt < cutoff)
            .OrderBy(e => e.Id).Take(Chunk)
            .ExecuteDeleteAsync(cancellationToken));
        if (expired + deleted + events > 0)
        {
            logger.LogInformation("Credential sweep: {Expired} expired, {Deleted} closed credentials and {Events} activity events past {Days} days deleted",
                expired, deleted, events, options.RetentionDays);
        }
        return new SweepResult(expired, deleted, events);
    }

    private static async Task<int> RepeatAsync(Func<Task<int>> chunk)
    {
        var total = 0;
        int changed;
        do
        {
            changed = await chunk();
            total += changed;
        } while (changed == Chunk);
        return total;
    }
}

/// <summary>Runs <see cref="CredentialSweep"/> on the configured interval; one node at a time in a cluster.</summary>
[DisallowConcurrentExecution]
public sealed class CredentialSweepJob(CredentialSweep sweep) : IJob
{
    public static readonly JobKey Key = new("credential-sweep", "credentials");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default) =>
        await sweep.RunAsync(cancellationToken);
}
