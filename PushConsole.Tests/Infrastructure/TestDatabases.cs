using Npgsql;
using PushConsole.Persistence;

namespace PushConsole.Tests.Infrastructure;

/// <summary>
/// Real databases for tests: a fresh SQLite file per test, or a throw-away PostgreSQL database on the
/// server that test.sh starts (PUSHCONSOLE_TEST_POSTGRES holds its admin connection string).
/// </summary>
public static class TestDatabases
{
    public const string PostgresVariable = "PUSHCONSOLE_TEST_POSTGRES";

    public static DatabaseOptions NewSqlite()
    {
        var directory = Path.Combine(Path.GetTempPath(), "pushconsole-tests");
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, $"{Guid.NewGuid():N}.db");
        return new DatabaseOptions { Provider = DatabaseProvider.Sqlite, ConnectionString = $"Data Source={file}" };
    }

    /// <summary>Creates an empty database on the test server. Fails loudly when the server is not configured:
    /// PostgreSQL is a required part of the suite, and test.sh provides it.</summary>
    public static async Task<DatabaseOptions> NewPostgresAsync()
    {
        var admin = Environment.GetEnvironmentVariable(PostgresVariable);
        if (string.IsNullOrWhiteSpace(admin))
        {
            throw new InvalidOperationException(
                $"{PostgresVariable} is not set; run the suite with ./test.sh, which starts PostgreSQL on 127.0.0.1.");
        }
        var name = $"pct_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name };
        return new DatabaseOptions { Provider = DatabaseProvider.Postgres, ConnectionString = builder.ConnectionString };
    }

    public static Task<DatabaseOptions> NewAsync(DatabaseProvider provider) =>
        provider == DatabaseProvider.Sqlite ? Task.FromResult(NewSqlite()) : NewPostgresAsync();
}
