namespace PushConsole.Campaigns;

public static class CampaignsHosting
{
    /// <summary>Campaigns, their Quartz job and the outcome queries (see <see cref="CampaignServiceCollectionExtensions"/>).</summary>
    public static WebApplicationBuilder AddCampaigns(this WebApplicationBuilder builder)
    {
        builder.Services.AddCampaigns();
        return builder;
    }
}
