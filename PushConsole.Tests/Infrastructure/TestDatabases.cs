using Microsoft.Data.SqlClient;
using Npgsql;
using PushConsole.Persistence;

namespace PushConsole.Tests.Infrastructure;

/// <summary>
/// Real databases for tests: a fresh SQLite file per test, or a throw-away database on a server — PostgreSQL, which
/// test.sh starts (PUSHCONSOLE_TEST_POSTGRES holds its admin connection string), or SQL Server when
/// PUSHCONSOLE_TEST_SQLSERVER holds a connection string of a login that may create databases.
/// </summary>
public static class TestDatabases
{
    public const string PostgresVariable = "PUSHCONSOLE_TEST_POSTGRES";
    public const string SqlServerVariable = "PUSHCONSOLE_TEST_SQLSERVER";

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

    /// <summary>Creates an empty database on the SQL Server named by PUSHCONSOLE_TEST_SQLSERVER. Tests that call this
    /// are skipped without it (<see cref="ProviderDataAttribute"/>), so reaching here without it is a mistake.</summary>
    public static async Task<DatabaseOptions> NewSqlServerAsync()
    {
        var admin = Environment.GetEnvironmentVariable(SqlServerVariable);
        if (string.IsNullOrWhiteSpace(admin))
        {
            throw new InvalidOperationException(SkipReason(DatabaseProvider.SqlServer));
        }
        var name = $"pct_{Guid.NewGuid():N}";
        await using (var connection = new SqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var command = new SqlCommand($"CREATE DATABASE [{name}]", connection);
            await command.ExecuteNonQueryAsync();
        }
        var builder = new SqlConnectionStringBuilder(admin) { InitialCatalog = name };
        return new DatabaseOptions { Provider = DatabaseProvider.SqlServer, ConnectionString = builder.ConnectionString };
    }

    public static Task<DatabaseOptions> NewAsync(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Sqlite => Task.FromResult(NewSqlite()),
        DatabaseProvider.Postgres => NewPostgresAsync(),
        DatabaseProvider.SqlServer => NewSqlServerAsync(),
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, null),
    };

    /// <summary>Why tests on this provider cannot run here, or null when they can. SQLite is embedded and PostgreSQL
    /// is required (test.sh starts one); SQL Server runs only where one is named.</summary>
    public static string? SkipReason(DatabaseProvider provider) =>
        provider == DatabaseProvider.SqlServer && string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(SqlServerVariable))
            ? $"{SqlServerVariable} is not set: no SQL Server to run on (set it to a connection string of a login that may create databases)"
            : null;
}
