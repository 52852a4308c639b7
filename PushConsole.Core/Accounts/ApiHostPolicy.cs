using System.Net;
using Microsoft.Extensions.Options;

namespace PushConsole.Accounts;

/// <summary>The <c>Accounts</c> section: where an account's API base URL may point.</summary>
public sealed class AccountOptions
{
    public const string Section = "Accounts";

    /// <summary>
    /// Extra WeChat API origins an account may use besides https://api.weixin.qq.com (an operator's proxy, a
    /// standalone simulator): <c>scheme://host[:port]</c>, or <c>scheme://host:*</c> for any port of that host.
    /// </summary>
    public List<string> AllowedApiBaseUrls { get; set; } = [];
}

/// <summary>An API origin allowed by something other than configuration (the embedded simulator while it is on).</summary>
public interface IApiBaseUrlAllowance
{
    bool Allows(Uri url);

    /// <summary>The base URL a new account is offered while this allowance is in force (the simulator's own address).</summary>
    string? SuggestedBaseUrl { get; }
}

/// <summary>
/// Decides whether an account's API base URL may receive its AppSecret. Every token fetch sends the secret to
/// that host, so an admin cannot point an account anywhere: only WeChat's own host, the hosts the operator lists
/// in <c>Accounts:AllowedApiBaseUrls</c>, and the embedded simulator while it is on.
/// </summary>
public sealed class ApiHostPolicy(IOptions<AccountOptions> options, IEnumerable<IApiBaseUrlAllowance> allowances)
{
    public const string WeChatApi = "https://api.weixin.qq.com";

    /// <summary>
    /// What a new account's form proposes: the embedded simulator while it is on (a first run talks to it), else WeChat.
    /// Never the browser's own address: behind a proxy that is a host the console would then refuse.
    /// </summary>
    public string SuggestedBaseUrl => allowances.Select(a => a.SuggestedBaseUrl).FirstOrDefault(u => u is not null) ?? WeChatApi;

    /// <summary>Null when <paramref name="apiBaseUrl"/> is allowed, else the reason.</summary>
    public string? Check(string apiBaseUrl)
    {
        if (!Uri.TryCreate(apiBaseUrl?.Trim(), UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http"))
        {
            return ServiceText.Get("Account.NotAbsolute", apiBaseUrl);
        }
        if (url.UserInfo.Length > 0 || url.Query.Length > 0 || url.Fragment.Length > 0)
        {
            return ServiceText.Get("Account.UrlParts");
        }
        if (Matches(url, WeChatApi) || options.Value.AllowedApiBaseUrls.Any(entry => Matches(url, entry))
            || allowances.Any(a => a.Allows(url)))
        {
            return null;
        }
        return $"The API base URL must be {WeChatApi}; the host {url.Scheme}://{url.Authority} is not in the operator's " +
            "allow-list (Accounts:AllowedApiBaseUrls).";
    }

    /// <summary>Whether two base URLs name the same host (scheme, host and port): changing it needs the AppSecret again.</summary>
    public static bool SameHost(string a, string b) =>
        Uri.TryCreate(a?.Trim(), UriKind.Absolute, out var x) && Uri.TryCreate(b?.Trim(), UriKind.Absolute, out var y)
        && x.Scheme == y.Scheme && string.Equals(x.IdnHost, y.IdnHost, StringComparison.OrdinalIgnoreCase) && x.Port == y.Port;

    /// <summary>Whether <paramref name="url"/> is a loopback address (the embedded simulator lives on the console's own port).</summary>
    public static bool IsLoopback(Uri url) =>
        url.IsLoopback || (IPAddress.TryParse(url.IdnHost, out var ip) && IPAddress.IsLoopback(ip));

    private static bool Matches(Uri url, string entry)
    {
        if (string.IsNullOrWhiteSpace(entry))
        {
            return false;
        }
        var anyPort = entry.Trim().EndsWith(":*", StringComparison.Ordinal);
        var text = anyPort ? entry.Trim()[..^2] : entry.Trim();
        return Uri.TryCreate(text, UriKind.Absolute, out var allowed)
            && url.Scheme == allowed.Scheme
            && string.Equals(url.IdnHost, allowed.IdnHost, StringComparison.OrdinalIgnoreCase)
            && (anyPort || url.Port == allowed.Port);
    }
}
