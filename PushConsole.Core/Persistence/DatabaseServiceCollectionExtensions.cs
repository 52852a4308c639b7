using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace PushConsole.Persistence;

public static class DatabaseServiceCollectionExtensions
{
    public const string SqliteMigrationsAssembly = "PushConsole.Migrations.Sqlite";
    public const string PostgresMigrationsAssembly = "PushConsole.Migrations.Postgres";
    public const string SqlServerMigrationsAssembly = "PushConsole.Migrations.SqlServer";

    /// <summary>Registers the DbContext (pooled factory and scoped) for the configured provider.</summary>
    public static IServiceCollection AddPushConsoleDatabase(this IServiceCollection services, DatabaseOptions database)
    {
        services.AddSingleton(database);
        services.AddSingleton<WriteGate>();
        services.AddDbContextFactory<PushConsoleDbContext>(options => Configure(options, database));
        services.AddDbContext<PushConsoleDbContext>(options => Configure(options, database),
            contextLifetime: ServiceLifetime.Scoped, optionsLifetime: ServiceLifetime.Singleton);
        services.AddSingleton<DatabaseMigrator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<Audit.AuditLog>();
        // The key ring in the database: sign-in cookies, API tokens, session tokens and AppSecrets work on every node.
        // The web app encrypts the keys at rest (PushConsole.Hosting.DataProtectionHosting).
        services.AddDataProtection().SetApplicationName("PushConsole").PersistKeysToDbContext<PushConsoleDbContext>();
        return services;
    }

    /// <summary>The one place a provider is chosen for EF Core: the app, the design-time tools and the tests all call it.</summary>
    public static void Configure(DbContextOptionsBuilder options, DatabaseOptions database)
    {
        switch (database.Provider)
        {
            case DatabaseProvider.Sqlite:
                options.UseSqlite(database.ConnectionString, o => o.MigrationsAssembly(SqliteMigrationsAssembly));
                break;
            case DatabaseProvider.Postgres:
                options.UseNpgsql(database.ConnectionString, o => o.MigrationsAssembly(PostgresMigrationsAssembly));
                break;
            case DatabaseProvider.SqlServer:
                options.UseSqlServer(database.ConnectionString, o => o.MigrationsAssembly(SqlServerMigrationsAssembly));
                break;
            default:
                throw new InvalidOperationException($"Database:Provider '{database.Provider}' is not supported.");
        }
    }
}
