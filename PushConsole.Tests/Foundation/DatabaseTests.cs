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
