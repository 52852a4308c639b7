using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace PushConsole.Persistence;

/// <summary>
/// Brings the database to the current model at start-up. EF Core takes a migration lock
/// (a lock table on SQLite, a table lock on PostgreSQL, sp_getapplock on SQL Server), so two nodes starting together apply each migration once.
/// </summary>
public sealed class DatabaseMigrator(IDbContextFactory<PushConsoleDbContext> contexts, DatabaseOptions database, ILogger<DatabaseMigrator> logger)
{
    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        if (database.Provider == DatabaseProvider.Sqlite)
        {
            await EnableWriteAheadLogAsync(cancellationToken);
        }
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
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
