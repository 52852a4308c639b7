using PushConsole.Persistence;

namespace PushConsole.Ledger;

public static class LedgerServiceCollectionExtensions
{
    /// <summary>The delivery ledger and the run store of the configured provider. Needs the database (AddPushConsoleDatabase).</summary>
    public static IServiceCollection AddDeliveryLedger(this IServiceCollection services)
    {
        services.AddSingleton<DeliveryLedger>();
        services.AddSingleton(sp => ProviderStores.Runs(sp.GetRequiredService<DatabaseOptions>().Provider));
        return services;
    }
}
