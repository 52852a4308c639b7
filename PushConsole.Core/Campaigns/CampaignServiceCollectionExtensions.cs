namespace PushConsole.Campaigns;

public static class CampaignServiceCollectionExtensions
{
    /// <summary>
    /// Campaigns: their services, the Quartz job that fires them, and the outcome queries. Their runs go through the send
    /// engine (AddSendEngine).
    /// </summary>
    public static IServiceCollection AddCampaigns(this IServiceCollection services)
    {
        services.AddSingleton<CampaignScheduler>();
        services.AddSingleton<CampaignFiring>();
        services.AddSingleton<CampaignService>();
        services.AddSingleton<CampaignDryRun>();
        services.AddSingleton<CampaignChoices>();
        services.AddTransient<CampaignFireJob>();
        services.AddSingleton<Outcomes.OutcomeQueries>();
        services.AddSingleton<Outcomes.RecipientLookup>();
        return services;
    }
}
