using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using PushConsole.Accounts;
using PushConsole.Templates;

namespace PushConsole.WeChat;

/// <summary>
/// The WeChat APIs the console uses, for one account. Get one from <see cref="IWeChatClientFactory.For"/>; it is
/// cheap, so make one per batch or job with the account as currently stored. WeChat's answers come back as
/// <see cref="SendOutcome"/> / <see cref="WeChatResult{T}"/>; only cancellation throws.
/// </summary>
public sealed class WeChatClient
{
    private const int LegacyTemplatePageSize = 20;
    // Stops paging when a server ignores the offset and returns full pages forever.
    private const int LegacyTemplateMaxPages = 50;

    private readonly WeChatClientServices services;
    private readonly HttpClient http;
    private readonly string? baseUrl;
    private CachedUrl? lastUrl;

    internal WeChatClient(WeChatAccount account, HttpClient http, WeChatClientServices services)
    {
        Account = account;
        this.http = http;
        this.services = services;
        baseUrl = WeChatUrls.BaseOf(account);
    }

    public WeChatAccount Account { get; }

    /// <summary>sns/jscode2session: exchanges a mini program login code for the user's openid and session key.</summary>
    public async Task<WeChatResult<LoginSession>> Code2SessionAsync(string code, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(code))
        {
            return WeChatResult<LoginSession>.Failure(new WeChatError(WeChatErrorKind.CredentialInvalid, 0, "The login code is empty."));
        }
        if (baseUrl is null)
        {
            return WeChatResult<LoginSession>.Failure(WeChatUrls.MissingBase(Account));
        }
        if (!services.Fetcher.TryRevealSecret(Account, out var secret, out var secretError))
        {
            return WeChatResult<LoginSession>.Failure(secretError);
        }
        // A retry after a lost answer may meet 40163 (code used): the code is single-use at WeChat.
        var url = $"{baseUrl}sns/jscode2session?appid={Uri.EscapeDataString(Account.AppId)}&secret={Uri.EscapeDataString(secret)}" +
                  $"&js_code={Uri.EscapeDataString(code)}&grant_type=authorization_code";
        var attempt = await services.Transport.WithRetriesAsync(
            static (s, ct) => s.Transport.CallAsync(s.http, HttpMethod.Get, new Uri(s.url), null, WeChatJsonContext.Default.SessionReply, WeChatEndpointKind.Login, ct),
            (services.Transport, http, url), cancellationToken);
        if (attempt.Error is { } error)
        {
            return WeChatResult<LoginSession>.Failure(error);
        }
        var reply = attempt.Reply!;
        return string.IsNullOrEmpty(reply.OpenId) || string.IsNullOrEmpty(reply.SessionKey)
            ? WeChatResult<LoginSession>.Failure(new WeChatError(WeChatErrorKind.Other, 0, "WeChat's login answer has no openid or session_key"))
            : WeChatResult<LoginSession>.Success(new LoginSession(reply.OpenId, reply.SessionKey, string.IsNullOrEmpty(reply.UnionId) ? null : reply.UnionId));
    }

    /// <summary>cgi-bin/message/wxopen/template/send: a legacy mini program template message, spending a formId or prepay_id use.</summary>
    public Task<SendOutcome> SendMiniProgramTemplateAsync(MiniProgramTemplateMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new MiniProgramTemplateBody(message.ToUser, message.TemplateId, message.Page, message.FormId, message.Data, message.EmphasisKeyword),
            WeChatJsonContext.Default.MiniProgramTemplateBody);
        return SendAsync("cgi-bin/message/wxopen/template/send", body, cancellationToken);
    }

    /// <summary>cgi-bin/message/subscribe/send: a mini program subscribe message, spending one grant of the user.</summary>
    public Task<SendOutcome> SendSubscribeAsync(SubscribeMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new SubscribeBody(message.ToUser, message.TemplateId, message.Page, message.Data, message.MiniProgramState, message.Lang),
            WeChatJsonContext.Default.SubscribeBody);
        return SendAsync("cgi-bin/message/subscribe/send", body, cancellationToken);
    }

    /// <summary>
    /// cgi-bin/message/template/send: an official account template message. With a <paramref name="clientMsgId"/>,
    /// WeChat sends at most one message per recipient and id within about ten minutes, so a retry after a lost answer
    /// cannot deliver twice.
    /// </summary>
    public Task<SendOutcome> SendOfficialTemplateAsync(OfficialTemplateMessage message, string? clientMsgId = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var miniProgram = message.MiniProgram is { } link ? new MiniProgramBody(link.AppId, link.PagePath) : null;
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new OfficialTemplateBody(message.ToUser, message.TemplateId, message.Url, miniProgram, message.Data, clientMsgId),
            WeChatJsonContext.Default.OfficialTemplateBody);
        return SendAsync("cgi-bin/message/template/send", body, cancellationToken);
    }

    /// <summary>cgi-bin/user/get: one page of followers, from the start or after <paramref name="nextOpenId"/>.</summary>
    public async Task<WeChatResult<FollowerPage>> GetFollowersAsync(string? nextOpenId = null, CancellationToken cancellationToken = default)
    {
        var query = string.IsNullOrEmpty(nextOpenId) ? null : "&next_openid=" + Uri.EscapeDataString(nextOpenId);
        var attempt = await CallAsync(new TokenCall<FollowersReply>(HttpMethod.Get, "cgi-bin/user/get", query, null,
            WeChatJsonContext.Default.FollowersReply, RateLimited: false), cancellationToken);
        if (attempt.Error is { } error)
        {
            return WeChatResult<FollowerPage>.Failure(error);
        }
        var reply = attempt.Reply!;
        // After the last page WeChat answers count 0 with no "data" at all.
        IReadOnlyList<string> openIds = reply.Data?.OpenIds ?? [];
        return WeChatResult<FollowerPage>.Success(
            new FollowerPage(reply.Total, openIds, string.IsNullOrEmpty(reply.NextOpenId) ? null : reply.NextOpenId));
    }

    /// <summary>
    /// The account's templates: for a mini program its subscribe templates plus its legacy templates (skipped when
    /// WeChat reports that API retired); for an official account its private templates.
    /// </summary>
    public async Task<WeChatResult<IReadOnlyList<WeChatTemplate>>> ListTemplatesAsync(CancellationToken cancellationToken = default)
    {
        if (Account.Kind == AccountKind.OfficialAccount)
        {
            return await ListOfficialTemplatesAsync(cancellationToken);
        }
        var subscribe = await ListSubscribeTemplatesAsync(cancellationToken);
        if (!subscribe.Succeeded)
        {
            return subscribe;
        }
        var legacy = await ListMiniProgramTemplatesAsync(cancellationToken);
        if (!legacy.Succeeded)
        {
            return legacy.Error.Kind == WeChatErrorKind.Retired ? subscribe : legacy;
        }
        return WeChatResult<IReadOnlyList<WeChatTemplate>>.Success([.. subscribe.Value, .. legacy.Value]);
    }

    /// <summary>wxaapi/newtmpl/gettemplate: the mini program's subscribe templates.</summary>
    public async Task<WeChatResult<IReadOnlyList<WeChatTemplate>>> ListSubscribeTemplatesAsync(CancellationToken cancellationToken = default)
    {
        var attempt = await CallAsync(new TokenCall<SubscribeTemplatesReply>(HttpMethod.Get, "wxaapi/newtmpl/gettemplate", null, null,
            WeChatJsonContext.Default.SubscribeTemplatesReply, RateLimited: false), cancellationToken);
        if (attempt.Error is { } error)
        {
            return WeChatResult<IReadOnlyList<WeChatTemplate>>.Failure(error);
        }
        return WeChatResult<IReadOnlyList<WeChatTemplate>>.Success((attempt.Reply!.Data ?? []).Select(t => new WeChatTemplate(
            TemplateKind.Subscribe, t.TemplateId, t.Title, t.Content, t.Example, LongTerm: t.Type == 3,
            EnumValues: t.KeywordEnumValueList?.ToDictionary(
                e => e.KeywordCode.EndsWith(".DATA", StringComparison.Ordinal) ? e.KeywordCode[..^5] : e.KeywordCode,
                e => (IReadOnlyList<string>)(e.EnumValueList ?? [])))).ToList());
    }

    /// <summary>cgi-bin/wxopen/template/list: the mini program's legacy templates, all pages.</summary>
    public async Task<WeChatResult<IReadOnlyList<WeChatTemplate>>> ListMiniProgramTemplatesAsync(CancellationToken cancellationToken = default)
    {
        var templates = new List<WeChatTemplate>();
        for (var page = 0; page < LegacyTemplateMaxPages; page++)
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(new LegacyTemplateListBody(page * LegacyTemplatePageSize, LegacyTemplatePageSize),
                WeChatJsonContext.Default.LegacyTemplateListBody);
            var attempt = await CallAsync(new TokenCall<LegacyTemplatesReply>(HttpMethod.Post, "cgi-bin/wxopen/template/list", null, body,
                WeChatJsonContext.Default.LegacyTemplatesReply, RateLimited: false), cancellationToken);
            if (attempt.Error is { } error)
            {
                return WeChatResult<IReadOnlyList<WeChatTemplate>>.Failure(error);
            }
            var items = attempt.Reply!.List ?? [];
            templates.AddRange(items.Select(t => new WeChatTemplate(TemplateKind.MiniProgramTemplate, t.TemplateId, t.Title, t.Content, t.Example)));
            if (items.Count < LegacyTemplatePageSize)
            {
                break;
            }
        }
        return WeChatResult<IReadOnlyList<WeChatTemplate>>.Success(templates);
    }

    /// <summary>cgi-bin/template/get_all_private_template: the official account's templates.</summary>
    public async Task<WeChatResult<IReadOnlyList<WeChatTemplate>>> ListOfficialTemplatesAsync(CancellationToken cancellationToken = default)
    {
        var attempt = await CallAsync(new TokenCall<PrivateTemplatesReply>(HttpMethod.Get, "cgi-bin/template/get_all_private_template", null, null,
            WeChatJsonContext.Default.PrivateTemplatesReply, RateLimited: false), cancellationToken);
        if (attempt.Error is { } error)
        {
            return WeChatResult<IReadOnlyList<WeChatTemplate>>.Failure(error);
        }
        return WeChatResult<IReadOnlyList<WeChatTemplate>>.Success((attempt.Reply!.TemplateList ?? [])
            .Select(t => new WeChatTemplate(TemplateKind.OfficialAccountTemplate, t.TemplateId, t.Title, t.Content, t.Example)).ToList());
    }

    /// <summary>
    /// For the Accounts page: asks WeChat for a token now (stable_token or cgi-bin/token, as the account is set) and
    /// returns its answer. The new token is shared with the cluster like any other.
    /// </summary>
    public async Task<WeChatResult<ConnectionCheck>> TestConnectionAsync(CancellationToken cancellationToken = default)
    {
        var result = await services.Tokens.FetchNewAsync(Account, cancellationToken);
        return result.Token is { } token
            ? WeChatResult<ConnectionCheck>.Success(new ConnectionCheck(Account.TokenMode, token.ExpiresAt - services.Time.GetUtcNow()))
            : WeChatResult<ConnectionCheck>.Failure(result.Error!);
    }

    private async Task<SendOutcome> SendAsync(string path, byte[] body, CancellationToken cancellationToken)
    {
        var attempt = await CallAsync(new TokenCall<SendReply>(HttpMethod.Post, path, null, body,
            WeChatJsonContext.Default.SendReply, RateLimited: true), cancellationToken);
        return attempt.Error is { } error ? SendOutcome.Failure(error) : SendOutcome.Success(attempt.Reply!.MsgId);
    }

    private ValueTask<Attempt<T>> CallAsync<T>(TokenCall<T> call, CancellationToken cancellationToken) where T : WeChatReply =>
        services.Transport.WithRetriesAsync(static (s, ct) => s.client.AttemptAsync(s.call, ct), (client: this, call), cancellationToken);

    /// <summary>
    /// One attempt of a call that needs the access token: take the token (from memory, or from the app's one
    /// refresh), a send permit if it is a send, then call. When WeChat refuses the token (40001/40014/42001) it is
    /// invalidated, if still current, and the call is made once more with a fresh token.
    /// </summary>
    private async ValueTask<Attempt<T>> AttemptAsync<T>(TokenCall<T> call, CancellationToken cancellationToken) where T : WeChatReply
    {
        if (baseUrl is null)
        {
            return Attempt<T>.Fail(WeChatUrls.MissingBase(Account));
        }
        long? rejected = null;
        while (true)
        {
            var (token, tokenError) = await services.Tokens.GetAsync(Account, rejected, cancellationToken);
            if (token is null)
            {
                return Attempt<T>.Fail(tokenError!);
            }
            if (call.RateLimited)
            {
                await services.Limiters.AcquireAsync(Account, cancellationToken);
            }
            var attempt = await services.Transport.CallAsync(http, call.Method, UrlFor(call.Path, call.Query, token.Value), call.Body, call.ReplyType,
                WeChatEndpointKind.Business, cancellationToken);
            if (attempt.Error is { Kind: WeChatErrorKind.TokenInvalid } && rejected is null)
            {
                rejected = token.Version;
                await services.Tokens.InvalidateAsync(Account, token);
                continue;
            }
            return attempt;
        }
    }

    /// <summary>
    /// The URL of a call with the token. A run's sends all go to one path with one token (for hours), so the last
    /// send URL is kept: building and parsing a URL per message was a tenth of what a send allocated.
    /// </summary>
    private Uri UrlFor(string path, string? query, string token)
    {
        if (query is null && lastUrl is { } last && ReferenceEquals(last.Path, path) && last.Token == token)
        {
            return last.Url;
        }
        var url = new Uri(string.Concat(baseUrl, path, "?access_token=", Uri.EscapeDataString(token), query));
        if (query is null)
        {
            // Concurrent sends may race to store it; any of them is right.
            lastUrl = new CachedUrl(path, token, url);
        }
        return url;
    }

    private sealed record CachedUrl(string Path, string Token, Uri Url);

    private sealed record TokenCall<T>(HttpMethod Method, string Path, string? Query, byte[]? Body, JsonTypeInfo<T> ReplyType, bool RateLimited)
        where T : WeChatReply;
}

/// <summary>The node-wide services every <see cref="WeChatClient"/> shares.</summary>
internal sealed record WeChatClientServices(
    WeChatTransport Transport,
    AccessTokenProvider Tokens,
    AccessTokenFetcher Fetcher,
    SendRateLimiters Limiters,
    TimeProvider Time);
