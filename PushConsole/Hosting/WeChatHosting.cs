using PushConsole.WeChat;

namespace PushConsole.Hosting;

public static class WeChatHosting
{
    /// <summary>The WeChat client (IWeChatClientFactory) with the "WeChat" section checked before the console serves.</summary>
    public static WebApplicationBuilder AddConsoleWeChat(this WebApplicationBuilder builder)
    {
        builder.Services.AddWeChatClient(builder.Configuration);
        return builder;
    }
}
