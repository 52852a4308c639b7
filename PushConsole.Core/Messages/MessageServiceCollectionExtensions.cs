namespace PushConsole.Messages;

public static class MessageServiceCollectionExtensions
{
    /// <summary>
    /// Transactional messages (POST /api/v1/messages): validation, the idempotent intake, sending through the campaign
    /// engine (AddCampaigns) and recovery of messages whose sender stopped.
    /// </summary>
    public static IServiceCollection AddTransactionalMessages(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MessageOptions>().Bind(configuration.GetSection(MessageOptions.Section))
            .Validate(o => o.IdempotencyWindow > TimeSpan.Zero && o.MaxWait >= TimeSpan.Zero && o.RecoveryInterval > TimeSpan.Zero,
                "Messages: IdempotencyWindow and RecoveryInterval must be positive, MaxWait not negative.")
            .ValidateOnStart();
        services.AddSingleton<MessageRequestValidator>();
        services.AddSingleton<TransactionalMessages>();
        services.AddSingleton<MessageRecovery>();
        services.AddHostedService(sp => sp.GetRequiredService<MessageRecovery>());
        return services;
    }
}
