namespace PushConsole.Campaigns;

public static class CampaignsHosting
{
    /// <summary>Campaigns, their Quartz jobs and the outcome queries (see <see cref="CampaignServiceCollectionExtensions"/>).</summary>
    public static WebApplicationBuilder AddCampaigns(this WebApplicationBuilder builder)
    {
        builder.Services.AddCampaigns(builder.Configuration);
        return builder;
    }
}
