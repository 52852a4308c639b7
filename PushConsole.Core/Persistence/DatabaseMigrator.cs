using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace PushConsole.Persistence;

/// <summary>
/// Brings the database to the current model at start-up. On PostgreSQL the nodes of a cluster take turns under a
/// session advisory lock: EF Core's own migration lock is a <c>LOCK TABLE "__EFMigrationsHistory"</c>, which can only be
/// taken once that table exists, and two nodes creating it at the same moment on an empty database collide
/// (<c>CREATE TABLE IF NOT EXISTS</c> is not safe against a concurrent create in PostgreSQL), so one of them failed
/// start-up. Under the advisory lock the second node finds the table, and the migration, already there. SQL Server's
/// migration lock is sp_getapplock, which needs no table.
/// </summary>
public sealed class DatabaseMigrator(IDbContextFactory<PushConsoleDbContext> contexts, DatabaseOptions database, ILogger<DatabaseMigrator> logger)
{
    /// <summary>An arbitrary constant naming the migration's PostgreSQL advisory lock.</summary>
    private const long MigrationLockKey = 0x5075_7368_4d69_6772; // "PushMigr"

    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        if (database.Provider == DatabaseProvider.Sqlite)
        {
            await EnableWriteAheadLogAsync(cancellationToken);
        }
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (database.Provider != DatabaseProvider.Postgres)
        {
            await MigrateUnlockedAsync(db, cancellationToken);
            return;
        }
        // The lock is held by this context's connection, which EF Core then uses for the migration itself.
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_lock({MigrationLockKey})", cancellationToken);
            try
            {
                await MigrateUnlockedAsync(db, cancellationToken);
            }
            finally
            {
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({MigrationLockKey})", CancellationToken.None);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private async Task MigrateUnlockedAsync(PushConsoleDbContext db, CancellationToken cancellationToken)
    {
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count > 0)
        {
            logger.LogInformation("Applying {Count} database migration(s) on {Provider}: {Names}",
                pending.Count, database.Provider, string.Join(", ", pending));
        }
        await db.Database.MigrateAsync(cancellationToken);
        if (database.Provider == DatabaseProvider.SqlServer)
        {
            await db.Database.ExecuteSqlRawAsync(SqlServerDatabase.AllowSnapshotSql, cancellationToken);
        }
        // The outcome charts' tallies are kept by triggers, which EF migrations do not describe: (re)installed here.
        foreach (var statement in Outcomes.OutcomeTallyTriggers.For(database.Provider))
        {
            await db.Database.ExecuteSqlRawAsync(statement, cancellationToken);
        }
    }

    // WAL lets the scheduler, the intake endpoint and the dashboards read while a send batch writes.
    private async Task EnableWriteAheadLogAsync(CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(database.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
