using Microsoft.Extensions.DependencyInjection.Extensions;
using PushConsole.Templates;
using PushConsole.WeChat;

namespace PushConsole.Campaigns;

public static class CampaignServiceCollectionExtensions
{
    /// <summary>
    /// Campaigns: their services, the Quartz jobs that fire and execute them, and start-up recovery of unfinished runs.
    /// Needs the database, the delivery ledger, Quartz (AddPushScheduler) and the credential pool (AddCredentialPool); adds
    /// the WeChat client and the template renderer if absent.
    /// </summary>
    public static IServiceCollection AddCampaigns(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(CampaignOptions.Section).Get<CampaignOptions>() ?? new CampaignOptions();
        options.Validate();
        options.SharedRuns = configuration.GetValue<bool>("Scheduler:Clustered");
        services.AddSingleton(Options.Create(options));
        services.TryAddSingleton(TimeProvider.System);
        services.AddWeChatClient(configuration);

        // The pool (AddCredentialPool) and the renderer are the real pieces; these adapt them to what runs need.
        services.TryAddSingleton<PoolCredentialSource>();
        services.TryAddSingleton<ICredentialSource>(sp => sp.GetRequiredService<PoolCredentialSource>());
        services.TryAddSingleton<IAudienceDirectory>(sp => sp.GetRequiredService<PoolCredentialSource>());
        services.TryAddSingleton<TemplateRenderer>();
        services.TryAddSingleton<IRunMessageFactory, TemplateRunMessageFactory>();

        services.TryAddSingleton<Sending.AccountPauses>();
        services.AddSingleton<RunSignals>();
        services.AddSingleton<RunGate>();
        services.AddSingleton<CampaignScheduler>();
        services.AddSingleton<CampaignAudience>();
        services.AddSingleton<FollowerAudience>();
        services.AddSingleton<CampaignFiring>();
        services.AddSingleton<RunExecutor>();
        services.AddSingleton<RunControl>();
        services.AddSingleton<CampaignService>();
        services.AddSingleton<CampaignDryRun>();
        services.AddSingleton<CampaignChoices>();
        services.AddTransient<CampaignFireJob>();
        services.AddTransient<CampaignRunJob>();
        services.AddSingleton<Outcomes.OutcomeQueries>();
        services.AddSingleton<Outcomes.RecipientLookup>();
        services.AddHostedService<RunRecovery>();
        services.AddSingleton<CampaignRunHelper>();
        services.AddHostedService(sp => sp.GetRequiredService<CampaignRunHelper>());
        return services;
    }
}
