using PushConsole.WeChat;

namespace PushConsole.Hosting;

public static class WeChatHosting
{
    /// <summary>The WeChat client (tokens, sends, template lists) from the <c>WeChat</c> configuration section.</summary>
    public static WebApplicationBuilder AddConsoleWeChat(this WebApplicationBuilder builder)
    {
        builder.Services.AddWeChatClient(builder.Configuration);
        return builder;
    }
}
