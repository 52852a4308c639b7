using Microsoft.Extensions.DependencyInjection.Extensions;
using PushConsole.Sending;

namespace PushConsole.Messages;

public static class MessageServiceCollectionExtensions
{
    /// <summary>
    /// Transactional messages (POST /api/v1/messages): validation, the idempotent intake, sending through the campaign
    /// engine (AddSendEngine), outcome callbacks to the accounts' webhooks, and recovery of messages whose sender stopped.
    /// </summary>
    public static IServiceCollection AddTransactionalMessages(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MessageOptions>().Bind(configuration.GetSection(MessageOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MessageOptions>, MessageOptionsValidator>());
        services.AddSingleton<MessageRequestValidator>();
        services.AddSingleton<MessageQueries>();
        services.AddSingleton<MessageWebhooks>();
        services.AddSingleton<MessageOutcomes>();
        services.AddHostedService<MessageCallbackDispatcher>();
        // Webhook receivers are the operator's own services: no redirects followed (the allow-list names the host).
        services.AddHttpClient(MessageOutcomes.HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        services.AddSingleton<MessageRunOwner>();
        services.AddSingleton<IRunOwner>(sp => sp.GetRequiredService<MessageRunOwner>());
        services.AddSingleton<MessageLanes>();
        services.AddSingleton<TransactionalMessages>();
        services.AddSingleton<MessageRecovery>();
        services.AddHostedService(sp => sp.GetRequiredService<MessageRecovery>());
        return services;
    }
}
