using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.Foundation;

public class DatabaseTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task Migrations_apply_on_an_empty_database_and_leave_no_pending_model_changes(DatabaseProvider provider)
    {
        var database = await TestDatabases.NewAsync(provider);
        var options = new DbContextOptionsBuilder<PushConsoleDbContext>();
        DatabaseServiceCollectionExtensions.Configure(options, database);
        IDbContextFactory<PushConsoleDbContext> factory = new TestDbContextFactory(options.Options);

        await new DatabaseMigrator(factory, database, NullLogger<DatabaseMigrator>.Instance).MigrateAsync();

        await using var db = await factory.CreateDbContextAsync();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.NotEmpty(await db.Database.GetAppliedMigrationsAsync());
        Assert.False(db.Database.HasPendingModelChanges(), "The model has changes no migration covers: run scripts/regen-migrations.sh (or add-migration.sh).");
        Assert.Equal(0, await db.Users.CountAsync());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task Four_nodes_migrating_the_same_empty_database_at_once_all_succeed(DatabaseProvider provider)
    {
        var database = await TestDatabases.NewAsync(provider);
        var options = new DbContextOptionsBuilder<PushConsoleDbContext>();
        DatabaseServiceCollectionExtensions.Configure(options, database);
        IDbContextFactory<PushConsoleDbContext> factory = new TestDbContextFactory(options.Options);
        var migrator = new DatabaseMigrator(factory, database, NullLogger<DatabaseMigrator>.Instance);

        // On PostgreSQL, EF Core's own lock (LOCK TABLE on its history table) is no help to nodes racing to create that table.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => migrator.MigrateAsync())));

        await using var db = await factory.CreateDbContextAsync();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
    }

    [Fact]
    public async Task The_consoles_PostgreSQL_connections_prepare_the_statements_they_repeat_and_plan_them_once()
    {
        var database = await TestDatabases.NewAsync(DatabaseProvider.Postgres);
        var options = new DbContextOptionsBuilder<PushConsoleDbContext>();
        DatabaseServiceCollectionExtensions.Configure(options, database);
        IDbContextFactory<PushConsoleDbContext> factory = new TestDbContextFactory(options.Options);
        await new DatabaseMigrator(factory, database, NullLogger<DatabaseMigrator>.Instance).MigrateAsync();
        await using var db = await factory.CreateDbContextAsync();
        await db.Database.OpenConnectionAsync();

        for (var i = 0; i < 6; i++)
        {
            await db.Accounts.Where(a => a.Id == i).ToListAsync();
        }

        Assert.Equal("force_generic_plan", await db.Database.SqlQueryRaw<string>("""SELECT current_setting('plan_cache_mode') AS "Value" """).SingleAsync());
        Assert.Contains(await db.Database.SqlQueryRaw<string>("""SELECT statement AS "Value" FROM pg_prepared_statements""").ToListAsync(),
            statement => statement.Contains("\"Accounts\"", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Host=db;Database=pc", 64, "-c plan_cache_mode=force_generic_plan")]
    [InlineData("Host=db;Database=pc;Options=-c search_path=pc", 64, "-c search_path=pc -c plan_cache_mode=force_generic_plan")]
    [InlineData("Host=db;Database=pc;Max Auto Prepare=0", 0, "-c plan_cache_mode=force_generic_plan")]
    [InlineData("Host=db;Database=pc;maxautoprepare=8;Options=-c plan_cache_mode=auto", 8, "-c plan_cache_mode=auto")]
    public void A_PostgreSQL_connection_string_keeps_what_it_says_and_gets_the_consoles_plan_settings_where_it_is_silent(
        string given, int maxAutoPrepare, string serverOptions)
    {
        var result = new Npgsql.NpgsqlConnectionStringBuilder(PostgresConnections.WithDefaults(given));

        Assert.Equal(maxAutoPrepare, result.MaxAutoPrepare);
        Assert.Equal(serverOptions, result.Options);
        Assert.Equal("db", result.Host);
        Assert.Equal("pc", result.Database);
    }

    [Fact]
    public void An_unknown_provider_stops_start_up_with_one_line_naming_the_key()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:Provider"] = "Oracle",
        }).Build();

        var error = Assert.Throws<ConfigurationException>(() => (object)DatabaseOptions.FromConfiguration(configuration, Path.GetTempPath()));

        Assert.Contains("Database:Provider", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Postgres_without_a_connection_string_stops_start_up_naming_the_key()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:Provider"] = "Postgres",
        }).Build();

        var error = Assert.Throws<ConfigurationException>(() => (object)DatabaseOptions.FromConfiguration(configuration, Path.GetTempPath()));

        Assert.Contains("ConnectionStrings:PushConsole", error.Message);
    }

    [Fact]
    public void Sqlite_without_a_connection_string_uses_a_file_under_data()
    {
        var root = Path.Combine(Path.GetTempPath(), $"pct-root-{Guid.NewGuid():N}");
        var options = DatabaseOptions.FromConfiguration(new ConfigurationBuilder().Build(), root);

        Assert.Equal(DatabaseProvider.Sqlite, options.Provider);
        Assert.Equal($"Data Source={Path.Combine(root, "data", "pushconsole.db")}", options.ConnectionString);
        Assert.True(Directory.Exists(Path.Combine(root, "data")));
    }
}
