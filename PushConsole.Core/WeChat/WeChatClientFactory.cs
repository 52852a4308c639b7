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
    // One HttpClient for every account: its handler never expires (connections are recycled by the handler
    // itself), so senders may call For() per message without paying for a client each time.
    private readonly Lazy<HttpClient> http = new(() => httpClients.CreateClient(WeChatTransport.HttpClientName));

    public WeChatClient For(WeChatAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        return new WeChatClient(account, http.Value, services);
    }
}
