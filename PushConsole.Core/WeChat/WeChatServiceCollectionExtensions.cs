using Microsoft.Extensions.DependencyInjection.Extensions;
using PushConsole.Accounts;

namespace PushConsole.WeChat;

public static class WeChatServiceCollectionExtensions
{
    /// <summary>The named HTTP client every WeChat call goes through (a bench may add a handler to it to watch the sends).</summary>
    public const string HttpClientName = WeChatTransport.HttpClientName;

    /// <summary>
    /// Registers <see cref="IWeChatClientFactory"/> and what it shares node-wide (token cache, send-rate buckets, the
    /// "WeChat" HTTP client), with the <c>WeChat</c> configuration section checked at start-up. Needs the console's
    /// database (AddPushConsoleDatabase): tokens and their leases live in its AccessTokens table.
    /// </summary>
    public static IServiceCollection AddWeChatClient(this IServiceCollection services, IConfiguration configuration)
    {
        // Features that need the client (campaigns, channels) add it when hosted alone; registered once, it stays once.
        if (services.Any(d => d.ServiceType == typeof(IWeChatClientFactory)))
        {
            return services;
        }
        services.AddOptions<WeChatClientOptions>()
            .Bind(configuration.GetSection(WeChatClientOptions.Section))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WeChatClientOptions>, WeChatClientOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AccountSecretProtector>();

        // The client's timeout is the per-attempt timeout: each attempt is one request (WeChatTransport.CallAsync).
        services.AddHttpClient(WeChatTransport.HttpClientName, (sp, http) =>
                http.Timeout = sp.GetRequiredService<IOptions<WeChatClientOptions>>().Value.AttemptTimeout)
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var options = sp.GetRequiredService<IOptions<WeChatClientOptions>>().Value;
                return new SocketsHttpHandler
                {
                    MaxConnectionsPerServer = options.MaxConnectionsPerServer,
                    // Recycled so DNS changes of the WeChat host are picked up; the handler itself lives forever.
                    PooledConnectionLifetime = TimeSpan.FromMinutes(10),
                    PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
                    ConnectTimeout = options.AttemptTimeout,
                    UseCookies = false,
                    AllowAutoRedirect = false,
                };
            })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            // Per-request log lines would cost more than the send itself at thousands of sends per second.
            .RemoveAllLoggers();

        services.TryAddSingleton<WeChatTransport>();
        services.TryAddSingleton<AccessTokenStore>();
        services.TryAddSingleton<AccessTokenFetcher>();
        services.TryAddSingleton<AccessTokenProvider>();
        services.TryAddSingleton<SendRateShare>();
        services.TryAddSingleton<SendRateLimiters>();
        services.TryAddSingleton<WeChatClientServices>();
        services.TryAddSingleton<IWeChatClientFactory, WeChatClientFactory>();
        return services;
    }
}
