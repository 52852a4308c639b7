namespace PushConsole.Channels;

public static class ChannelsHosting
{
    public static WebApplicationBuilder AddChannels(this WebApplicationBuilder builder)
    {
        builder.Services.AddChannelReminders();
        builder.Services.AddSingleton<FollowQrCodes>();
        return builder;
    }
}
