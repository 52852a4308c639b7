using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PushConsole.Persistence;

namespace PushConsole.Tests.Infrastructure;

/// <summary>
/// Real databases for tests: a fresh SQLite file per test, or a throw-away database on a server — PostgreSQL, which
/// test.sh starts (PUSHCONSOLE_TEST_POSTGRES holds its admin connection string), or SQL Server when
/// PUSHCONSOLE_TEST_SQLSERVER holds a connection string of a login that may create databases. <see cref="NewAsync"/> gives
/// an empty one (for tests of migrating and of starting on an empty database); <see cref="NewMigratedAsync"/> one already
/// at the current model, copied from a template migrated once per test run.
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
    public static Task<DatabaseOptions> NewPostgresAsync() => NewPostgresAsync("");

    private static async Task<DatabaseOptions> NewPostgresAsync(string options)
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
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\" {options}", connection);
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

    /// <summary>A fresh database at the current model (migrations applied, outcome triggers installed), for tests about
    /// anything but migrating. Migrating an empty database costs about half a second on PostgreSQL, for each of the
    /// hundreds of databases a run creates; this copies a template migrated once per run by the same
    /// <see cref="DatabaseMigrator"/> instead (a SQLite file copy; PostgreSQL's CREATE DATABASE … TEMPLATE). Whatever
    /// then opens it still runs its own migrator, which finds nothing pending. SQL Server databases start empty.</summary>
    public static async Task<DatabaseOptions> NewMigratedAsync(DatabaseProvider provider)
    {
        switch (provider)
        {
            case DatabaseProvider.Sqlite:
            {
                var template = await Template(DatabaseProvider.Sqlite);
                var copy = NewSqlite();
                File.Copy(new SqliteConnectionStringBuilder(template.ConnectionString).DataSource,
                    new SqliteConnectionStringBuilder(copy.ConnectionString).DataSource);
                return copy;
            }
            case DatabaseProvider.Postgres:
            {
                var template = new NpgsqlConnectionStringBuilder((await Template(DatabaseProvider.Postgres)).ConnectionString).Database;
                return await NewPostgresAsync($"TEMPLATE \"{template}\"");
            }
            default:
                return await NewAsync(provider);
        }
    }

    private static readonly SemaphoreSlim TemplatesLock = new(1, 1);
    private static readonly Dictionary<DatabaseProvider, DatabaseOptions> Templates = [];

    /// <summary>The run's migrated template of <paramref name="provider"/>, created on first use, with no connection left
    /// open on it (a PostgreSQL template must have none; a SQLite file is copied whole only once its log is checkpointed).</summary>
    private static async Task<DatabaseOptions> Template(DatabaseProvider provider)
    {
        await TemplatesLock.WaitAsync();
        try
        {
            if (Templates.TryGetValue(provider, out var ready))
            {
                return ready;
            }
            var template = await NewAsync(provider);
            await new DatabaseMigrator(TestDbContextFactory.For(template), template, NullLogger<DatabaseMigrator>.Instance).MigrateAsync();
            if (provider == DatabaseProvider.Sqlite)
            {
                SqliteConnection.ClearPool(new SqliteConnection(template.ConnectionString));
                await using var connection = new SqliteConnection(template.ConnectionString + ";Pooling=False");
                await connection.OpenAsync();
                await using var checkpoint = connection.CreateCommand();
                checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
                await checkpoint.ExecuteNonQueryAsync();
            }
            else
            {
                // The console's connections carry its plan settings, so their pool is that connection string's.
                NpgsqlConnection.ClearPool(new NpgsqlConnection(PostgresConnections.WithDefaults(template.ConnectionString)));
            }
            Templates[provider] = template;
            return template;
        }
        finally
        {
            TemplatesLock.Release();
        }
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
