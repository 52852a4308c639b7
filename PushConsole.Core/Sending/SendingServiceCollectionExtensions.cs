using Microsoft.Extensions.DependencyInjection.Extensions;
using PushConsole.Templates;
using PushConsole.WeChat;

namespace PushConsole.Sending;

public static class SendingServiceCollectionExtensions
{
    /// <summary>
    /// The one send engine every kind of run goes through (campaigns, channel reminders, transactional messages): the
    /// executor, its Quartz run job, start-up recovery of unfinished runs and, in a cluster, the joining of runs other
    /// nodes execute; the <c>Sending</c> section is checked at start-up. Needs the database, the delivery ledger, Quartz
    /// (AddPushScheduler) and the credential pool (AddCredentialPool); adds the WeChat client and the template renderer
    /// if absent.
    /// </summary>
    public static IServiceCollection AddSendEngine(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SendingOptions>()
            .Bind(configuration.GetSection(SendingOptions.Section))
            // Other nodes may execute the same run at the same time only in a cluster.
            .PostConfigure(o => o.SharedRuns = configuration.GetValue<bool>("Scheduler:Clustered"))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SendingOptions>, SendingOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddWeChatClient(configuration);

        // The pool (AddCredentialPool) and the renderer are the real pieces; these adapt them to what runs need.
        services.TryAddSingleton<PoolCredentialSource>();
        services.TryAddSingleton<ICredentialSource>(sp => sp.GetRequiredService<PoolCredentialSource>());
        services.TryAddSingleton<IAudienceDirectory>(sp => sp.GetRequiredService<PoolCredentialSource>());
        services.TryAddSingleton<TemplateRenderer>();
        services.TryAddSingleton<IRunMessageFactory, TemplateRunMessageFactory>();

        services.TryAddSingleton<AccountPauses>();
        services.AddSingleton<RunSignals>();
        services.AddSingleton<RunGate>();
        services.AddSingleton<RunScheduler>();
        services.AddSingleton<UserAudience>();
        services.AddSingleton<FollowerAudience>();
        services.AddSingleton<RunExecutor>();
        services.AddSingleton<RunControl>();
        services.AddTransient<RunJob>();
        services.AddHostedService<RunRecovery>();
        services.AddSingleton<RunJoiner>();
        services.AddHostedService(sp => sp.GetRequiredService<RunJoiner>());
        return services;
    }
}
