using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text.Json;
using PushConsole.Accounts;

namespace PushConsole.WeChat;

/// <summary>Asks WeChat for an access token: stable_token by default, cgi-bin/token for accounts in classic mode.</summary>
internal sealed class AccessTokenFetcher(IHttpClientFactory httpClients, WeChatTransport transport, AccountSecretProtector secrets)
{
    /// <summary>One request, no retries: callers wait on it, and the send path retries transient failures itself.</summary>
    public async Task<Attempt<TokenReply>> FetchAsync(WeChatAccount account, CancellationToken cancellationToken)
    {
        if (WeChatUrls.BaseOf(account) is not { } baseUrl)
        {
            return Attempt<TokenReply>.Fail(WeChatUrls.MissingBase(account));
        }
        if (!TryRevealSecret(account, out var secret, out var secretError))
        {
            return Attempt<TokenReply>.Fail(secretError);
        }
        var http = httpClients.CreateClient(WeChatTransport.HttpClientName);
        var attempt = account.TokenMode == TokenMode.Classic
            ? await transport.CallAsync(http, HttpMethod.Get,
                new Uri($"{baseUrl}cgi-bin/token?grant_type=client_credential&appid={Uri.EscapeDataString(account.AppId)}&secret={Uri.EscapeDataString(secret)}"),
                null, WeChatJsonContext.Default.TokenReply, WeChatEndpointKind.Token, cancellationToken)
            : await transport.CallAsync(http, HttpMethod.Post, new Uri($"{baseUrl}cgi-bin/stable_token"),
                JsonSerializer.SerializeToUtf8Bytes(new StableTokenBody(account.AppId, secret, ForceRefresh: false), WeChatJsonContext.Default.StableTokenBody),
                WeChatJsonContext.Default.TokenReply, WeChatEndpointKind.Token, cancellationToken);
        if (attempt.Reply is { } reply && (string.IsNullOrEmpty(reply.AccessToken) || reply.ExpiresIn <= 0))
        {
            return Attempt<TokenReply>.Fail(new WeChatError(WeChatErrorKind.Other, 0, "WeChat's token answer has no access_token or expires_in"));
        }
        return attempt;
    }

    /// <summary>The account's AppSecret in clear, or a configuration failure when it cannot be decrypted.</summary>
    public bool TryRevealSecret(WeChatAccount account,
        [NotNullWhen(true)] out string? secret, [NotNullWhen(false)] out WeChatError? error)
    {
        try
        {
            secret = secrets.Unprotect(account.SecretCipher);
            error = null;
            return true;
        }
        catch (CryptographicException)
        {
            secret = null;
            error = new WeChatError(WeChatErrorKind.Configuration, 0,
                "The account's AppSecret cannot be decrypted (key ring changed?); enter the secret again.");
            return false;
        }
    }
}

internal static class WeChatUrls
{
    /// <summary>The account's API host with a trailing slash, or null when it is not an absolute http(s) URL.</summary>
    public static string? BaseOf(WeChatAccount account) =>
        Uri.TryCreate(account.ApiBaseUrl?.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"
            ? uri.AbsoluteUri.TrimEnd('/') + "/"
            : null;

    public static WeChatError MissingBase(WeChatAccount account) => new(WeChatErrorKind.Configuration, 0,
        $"The account's API base URL '{account.ApiBaseUrl}' is not an absolute http(s) URL.");
}
