using Microsoft.EntityFrameworkCore;
using PushConsole.Persistence;

namespace PushConsole.Ledger;

/// <summary>
/// What a run needs from the database beyond EF Core: the right for one node at a time to read the next page of a
/// run's audience (WeChat's user/get has a daily quota, so nodes must not all read the same page).
/// </summary>
public abstract class RunStore
{
    /// <summary>The lock, or null when another node holds it.</summary>
    public abstract Task<AudienceLock?> TryLockAudienceAsync(IDbContextFactory<PushConsoleDbContext> contexts, long runId,
        CancellationToken cancellationToken);

    /// <summary>
    /// A session lock (PostgreSQL, SQL Server) on a connection of its own, so the server drops it with the connection
    /// when the node holding it is killed. Null when <paramref name="take"/> did not get it.
    /// </summary>
    protected static async Task<AudienceLock?> TrySessionLockAsync(IDbContextFactory<PushConsoleDbContext> contexts,
        Func<PushConsoleDbContext, CancellationToken, Task<bool>> take, Func<PushConsoleDbContext, Task> release,
        CancellationToken cancellationToken)
    {
        var db = await contexts.CreateDbContextAsync(cancellationToken);
        try
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
            if (await take(db, cancellationToken))
            {
                return new SessionLock(db, release);
            }
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
        await db.DisposeAsync();
        return null;
    }

    private sealed class SessionLock(PushConsoleDbContext db, Func<PushConsoleDbContext, Task> release) : AudienceLock
    {
        public override bool Shared => true;

        public override async ValueTask DisposeAsync()
        {
            try
            {
                await release(db);
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException)
            {
                // The connection is gone, and the lock with it.
            }
            finally
            {
                await db.DisposeAsync();
            }
        }
    }
}

/// <summary>The right to read a run's next audience page; disposing gives it up.</summary>
public abstract class AudienceLock : IAsyncDisposable
{
    /// <summary>True when a cluster-wide lock is held (other nodes may have moved the cursor meanwhile), false when none is needed.</summary>
    public abstract bool Shared { get; }

    public abstract ValueTask DisposeAsync();
}

/// <summary>SQLite serves one node: the lock is always granted and guards nothing.</summary>
internal sealed class SqliteRunStore : RunStore
{
    private sealed class Unshared : AudienceLock
    {
        public override bool Shared => false;

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private static readonly Unshared Granted = new();

    public override Task<AudienceLock?> TryLockAudienceAsync(IDbContextFactory<PushConsoleDbContext> contexts, long runId,
        CancellationToken cancellationToken) => Task.FromResult<AudienceLock?>(Granted);
}

/// <summary>
/// PostgreSQL: a session advisory lock per run, released by unlock or by the server when the holder's connection drops
/// (the node was killed).
/// </summary>
internal sealed class PostgresRunStore : RunStore
{
    private const int LockClass = 0x50436267; // "PCbg": audience pages

    public override Task<AudienceLock?> TryLockAudienceAsync(IDbContextFactory<PushConsoleDbContext> contexts, long runId,
        CancellationToken cancellationToken)
    {
        var key = unchecked((int)runId);
        return TrySessionLockAsync(contexts,
            (db, ct) => db.Database.SqlQuery<bool>($"SELECT pg_try_advisory_lock({LockClass}, {key}) AS \"Value\"").SingleAsync(ct),
            db => db.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({LockClass}, {key})"),
            cancellationToken);
    }
}

/// <summary>
/// SQL Server: a session application lock (sp_getapplock) per run, released by sp_releaseapplock or by the server when
/// the holder's connection drops (the node was killed).
/// </summary>
internal sealed class SqlServerRunStore : RunStore
{
    private static string ResourceOf(int key) => $"PushConsole.BroadcastPage.{key}";

    public override Task<AudienceLock?> TryLockAudienceAsync(IDbContextFactory<PushConsoleDbContext> contexts, long runId,
        CancellationToken cancellationToken)
    {
        var resource = ResourceOf(unchecked((int)runId));
        return TrySessionLockAsync(contexts,
            (db, ct) => SqlServerDatabase.TakeAppLockAsync(db.Database.GetDbConnection(), null, resource,
                transactionScoped: false, timeout: TimeSpan.Zero, ct),
            db => SqlServerDatabase.ReleaseAppLockAsync(db.Database.GetDbConnection(), resource, CancellationToken.None),
            cancellationToken);
    }

    [TransactSql]
    private static IEnumerable<string> Statements => [SqlServerDatabase.TakeAppLockSql, SqlServerDatabase.ReleaseAppLockSql];
}
