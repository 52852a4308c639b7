using PushConsole.Ledger;
using PushConsole.Persistence;
using PushConsole.Scheduling;
using PushConsole.Users;

namespace PushConsole.Hosting;

public static class DatabaseHosting
{
    public static WebApplicationBuilder AddConsoleDatabase(this WebApplicationBuilder builder)
    {
        var database = DatabaseOptions.FromConfiguration(builder.Configuration, builder.Configuration["PushConsole:DataRoot"]!);
        builder.Services.AddPushConsoleDatabase(database);
        builder.Services.AddDeliveryLedger();
        return builder;
    }

    public static WebApplicationBuilder AddConsoleScheduler(this WebApplicationBuilder builder)
    {
        builder.Services.AddPushScheduler(builder.Configuration, builder.Services.GetDatabaseOptions());
        return builder;
    }

    /// <summary>Applies migrations and creates the first admin before anything serves requests or fires jobs.</summary>
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        await app.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync();
        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<UserBootstrapper>().EnsureAdminAsync();
    }

    internal static DatabaseOptions GetDatabaseOptions(this IServiceCollection services) =>
        (DatabaseOptions)services.Single(d => d.ServiceType == typeof(DatabaseOptions)).ImplementationInstance!;
}
