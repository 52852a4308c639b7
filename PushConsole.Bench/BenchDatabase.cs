using Npgsql;
using PushConsole.Persistence;

namespace PushConsole.Bench;

/// <summary>A fresh database for one bench run: a SQLite file under the temp directory (or the <c>--database</c> file), or a new PostgreSQL database.</summary>
public static class BenchDatabase
{
    public static async Task<DatabaseOptions> CreateAsync(BenchArguments args)
    {
        if (args.Provider == DatabaseProvider.Sqlite && args.Text("database", "") is { Length: > 0 } path)
        {
            // A named file is kept (and reused when it holds a seeded bench account): the large seed is done once.
            return new DatabaseOptions { Provider = DatabaseProvider.Sqlite, ConnectionString = $"Data Source={Path.GetFullPath(path)}" };
        }
        if (args.Provider == DatabaseProvider.Sqlite)
        {
            var directory = Path.Combine(Path.GetTempPath(), "pushconsole-bench");
            Directory.CreateDirectory(directory);
            var file = Path.Combine(directory, $"{Guid.NewGuid():N}.db");
            // A run's own file goes with the run (some are over 100 MB): repeated runs would otherwise fill the temp
            // directory. Deleting a file SQLite still has open is safe on Linux; the run is over by then.
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                foreach (var part in new[] { file, file + "-wal", file + "-shm", file + "-journal" })
                {
                    try
                    {
                        File.Delete(part);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        // Left for the temp directory's own cleanup.
                    }
                }
            };
            return new DatabaseOptions { Provider = DatabaseProvider.Sqlite, ConnectionString = $"Data Source={file}" };
        }
        var admin = args.PostgresAdmin;
        var name = $"pcbench_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name, MaxPoolSize = 100 };
        return new DatabaseOptions { Provider = DatabaseProvider.Postgres, ConnectionString = builder.ConnectionString };
    }

    /// <summary>Describes the storage settings that bound durability (and so throughput) of a run.</summary>
    public static async Task<string> DurabilityAsync(DatabaseOptions database)
    {
        if (database.Provider == DatabaseProvider.Sqlite)
        {
            await using var connection = new Microsoft.Data.Sqlite.SqliteConnection(database.ConnectionString);
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode; PRAGMA synchronous;";
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            var journal = reader.GetString(0);
            await reader.NextResultAsync();
            await reader.ReadAsync();
            var synchronous = reader.GetInt32(0) switch { 0 => "OFF", 1 => "NORMAL", 2 => "FULL", 3 => "EXTRA", var n => n.ToString() };
            return $"SQLite journal_mode={journal}, synchronous={synchronous}";
        }
        await using var pg = new NpgsqlConnection(database.ConnectionString);
        await pg.OpenAsync();
        await using var show = new NpgsqlCommand("SELECT current_setting('fsync'), current_setting('synchronous_commit'), version()", pg);
        await using var r = await show.ExecuteReaderAsync();
        await r.ReadAsync();
        return $"PostgreSQL fsync={r.GetString(0)}, synchronous_commit={r.GetString(1)} ({r.GetString(2).Split(" on ")[0]})";
    }
}
