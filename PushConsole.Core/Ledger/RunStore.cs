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

    public override async Task<AudienceLock?> TryLockAudienceAsync(IDbContextFactory<PushConsoleDbContext> contexts, long runId,
        CancellationToken cancellationToken)
    {
        var db = await contexts.CreateDbContextAsync(cancellationToken);
        var key = unchecked((int)runId);
        try
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
            var taken = await db.Database.SqlQuery<bool>($"SELECT pg_try_advisory_lock({LockClass}, {key}) AS \"Value\"")
                .SingleAsync(cancellationToken);
            if (taken)
            {
                return new SessionLock(db, key);
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

    private sealed class SessionLock(PushConsoleDbContext db, int key) : AudienceLock
    {
        public override bool Shared => true;

        public override async ValueTask DisposeAsync()
        {
            try
            {
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({LockClass}, {key})");
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or InvalidOperationException)
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

/// <summary>
/// SQL Server: a session application lock (sp_getapplock) per run, released by sp_releaseapplock or by the server when
/// the holder's connection drops (the node was killed).
/// </summary>
internal sealed class SqlServerRunStore : RunStore
{
    private static string ResourceOf(int key) => $"PushConsole.BroadcastPage.{key}";

    public override async Task<AudienceLock?> TryLockAudienceAsync(IDbContextFactory<PushConsoleDbContext> contexts, long runId,
        CancellationToken cancellationToken)
    {
        var db = await contexts.CreateDbContextAsync(cancellationToken);
        var key = unchecked((int)runId);
        try
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
            var taken = await SqlServerDatabase.TakeAppLockAsync(db.Database.GetDbConnection(), null, ResourceOf(key),
                transactionScoped: false, timeout: TimeSpan.Zero, cancellationToken);
            if (taken)
            {
                return new SessionLock(db, key);
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

    [TransactSql]
    private static IEnumerable<string> Statements => [SqlServerDatabase.TakeAppLockSql, SqlServerDatabase.ReleaseAppLockSql];

    private sealed class SessionLock(PushConsoleDbContext db, int key) : AudienceLock
    {
        public override bool Shared => true;

        public override async ValueTask DisposeAsync()
        {
            try
            {
                await SqlServerDatabase.ReleaseAppLockAsync(db.Database.GetDbConnection(), ResourceOf(key), CancellationToken.None);
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
