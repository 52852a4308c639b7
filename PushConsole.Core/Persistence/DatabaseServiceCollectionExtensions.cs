using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.EntityFrameworkCore;

namespace PushConsole.Persistence;

public static class DatabaseServiceCollectionExtensions
{
    public const string SqliteMigrationsAssembly = "PushConsole.Migrations.Sqlite";
    public const string PostgresMigrationsAssembly = "PushConsole.Migrations.Postgres";

    /// <summary>Registers the DbContext (pooled factory and scoped) for the configured provider.</summary>
    public static IServiceCollection AddPushConsoleDatabase(this IServiceCollection services, DatabaseOptions database)
    {
        services.AddSingleton(database);
        services.AddSingleton<WriteGate>();
        services.AddDbContextFactory<PushConsoleDbContext>(options => Configure(options, database));
        services.AddDbContext<PushConsoleDbContext>(options => Configure(options, database),
            contextLifetime: ServiceLifetime.Scoped, optionsLifetime: ServiceLifetime.Singleton);
        services.AddSingleton<DatabaseMigrator>();
        services.AddDataProtection().SetApplicationName("PushConsole");
        services.AddSingleton<DataProtectionKeyStore>();
        services.AddOptions<KeyManagementOptions>()
            .Configure<DataProtectionKeyStore>((o, store) => o.XmlRepository = store);
        return services;
    }

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
            default:
                throw new InvalidOperationException($"Database:Provider '{database.Provider}' is not supported.");
        }
    }
}
