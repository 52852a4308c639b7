using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace PushConsole.Persistence;

public static class DatabaseServiceCollectionExtensions
{
    public const string SqliteMigrationsAssembly = "PushConsole.Migrations.Sqlite";
    public const string PostgresMigrationsAssembly = "PushConsole.Migrations.Postgres";
    public const string SqlServerMigrationsAssembly = "PushConsole.Migrations.SqlServer";

    /// <summary>Registers the DbContext (a pooled factory, and a scoped context leased from it) for the configured provider.</summary>
    public static IServiceCollection AddPushConsoleDatabase(this IServiceCollection services, DatabaseOptions database)
    {
        services.AddSingleton(database);
        services.AddSingleton<WriteGate>();
        // Pooled: a context leased from the pool keeps its internal services (query translators, SQL generators, …)
        // instead of building them again: 40 % of the allocation of a short request such as POST /api/v1/messages.
        // The scoped context (Identity's stores, pages) is leased from the same pool and returned when its scope ends.
        // A pooled context keeps what it is handed: never give one a connection (SetDbConnection) of its own.
        services.AddPooledDbContextFactory<PushConsoleDbContext>(options => Configure(options, database));
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<PushConsoleDbContext>>().CreateDbContext());
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
                options.UseNpgsql(PostgresConnections.WithDefaults(database.ConnectionString), o => o.MigrationsAssembly(PostgresMigrationsAssembly));
                break;
            case DatabaseProvider.SqlServer:
                options.UseSqlServer(database.ConnectionString, o => o.MigrationsAssembly(SqlServerMigrationsAssembly));
                break;
            default:
                throw new InvalidOperationException($"Database:Provider '{database.Provider}' is not supported.");
        }
    }
}
