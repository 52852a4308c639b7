namespace PushConsole.Ledger;

public static class LedgerServiceCollectionExtensions
{
    public static IServiceCollection AddDeliveryLedger(this IServiceCollection services)
    {
        services.AddSingleton<LedgerWriteGate>();
        services.AddSingleton<DeliveryLedger>();
        return services;
    }
}
