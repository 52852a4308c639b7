using PushConsole.Accounts;

namespace PushConsole.WeChat;

/// <summary>Makes the WeChat client of an account. Registered by <see cref="WeChatServiceCollectionExtensions.AddWeChatClient"/>.</summary>
public interface IWeChatClientFactory
{
    /// <summary>
    /// A client for the account as given (AppId, secret, API base URL, token mode and send rate are read from it).
    /// Tokens, connections and send-rate buckets are shared node-wide, so clients are cheap to make.
    /// </summary>
    WeChatClient For(WeChatAccount account);
}

internal sealed class WeChatClientFactory(IHttpClientFactory httpClients, WeChatClientServices services) : IWeChatClientFactory
{
    public WeChatClient For(WeChatAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        return new WeChatClient(account, httpClients.CreateClient(WeChatTransport.HttpClientName), services);
    }
}
