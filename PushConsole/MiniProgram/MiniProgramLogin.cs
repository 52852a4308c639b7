using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PushConsole.Accounts;
using PushConsole.Persistence;
using PushConsole.WeChat;

namespace PushConsole.MiniProgram;

/// <summary>
/// <c>POST /api/miniprogram/{appId}/login {"code"}</c>: exchanges a <c>wx.login</c> code at WeChat (jscode2session)
/// and answers a session token for the openid WeChat vouched for. WeChat's session_key is neither stored nor
/// returned: the console never needs it.
/// </summary>
public static class MiniProgramLogin
{
    public sealed record LoginReply(string Token, int ExpiresIn);

    public const int MaxCodeLength = 256;

    public static RouteGroupBuilder MapMiniProgramLogin(this RouteGroupBuilder group)
    {
        group.MapPost("/login", LoginAsync).AllowAnonymous().AddEndpointFilter(MiniProgramLoginLimiter.FilterAsync).WithName("MiniProgramLogin")
            .WithSummary("Exchanges a wx.login code for a console session token (app + openid, time-limited).");
        return group;
    }

    private static async Task<IResult> LoginAsync(
        string appId, HttpContext http, MiniProgramOptions options, IDbContextFactory<PushConsoleDbContext> contexts,
        IWeChatClientFactory weChat, MiniProgramUsers users, MiniProgramSessionTokens tokens, ILoggerFactory loggers)
    {
        var abort = http.RequestAborted;
        var (code, problem) = await MiniProgramEndpoints.ReadObjectAsync<string>(http, options, root =>
            root.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String
                && c.GetString() is { Length: > 0 and <= MaxCodeLength } value && !string.IsNullOrWhiteSpace(value)
                ? (value, null)
                : (null, "'code' is required: the code from wx.login."));
        if (problem is not null)
        {
            return problem;
        }
        WeChatAccount? account;
        await using (var db = await contexts.CreateDbContextAsync(abort))
        {
            account = await db.Accounts.AsNoTracking()
                .SingleOrDefaultAsync(a => a.AppId == appId && a.Kind == AccountKind.MiniProgram, abort);
        }
        if (account is null)
        {
            return MiniProgramEndpoints.UnknownApp(appId);
        }

        var result = await weChat.For(account).Code2SessionAsync(code!, abort);
        if (!result.Succeeded)
        {
            return Refused(result.Error, appId, loggers.CreateLogger(typeof(MiniProgramLogin)));
        }
        var session = result.Value;
        await users.RecordLoginAsync(account.Id, session.OpenId, session.UnionId, abort);
        var issued = tokens.Issue(appId, session.OpenId);
        return TypedResults.Ok(new LoginReply(issued.Token, issued.ExpiresInSeconds));
    }

    private static IResult Refused(WeChatError error, string appId, ILogger logger)
    {
        switch (error.Kind)
        {
            case WeChatErrorKind.CredentialInvalid:
            case WeChatErrorKind.CredentialUsed:
                // 40029 / 40163: the mini program should call wx.login again for a fresh code.
                return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Login code refused",
                    detail: $"WeChat refused the code ({error.ErrCode}: {(error.ErrCode == 40163 ? "already used" : "invalid or expired")}); call wx.login again.");
            case WeChatErrorKind.RateLimited:
                return Retry(StatusCodes.Status429TooManyRequests, "Too many logins", "WeChat limits logins per user per minute (45011).", 60);
            case WeChatErrorKind.Transient:
                return Retry(StatusCodes.Status503ServiceUnavailable, "WeChat unavailable", "WeChat did not answer the login; retry shortly.", 5);
            case WeChatErrorKind.Other when error.ErrCode == 40226:
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Login blocked",
                    detail: "WeChat blocked this user's login (40226, high-risk user).");
            default:
                // The account's set-up (secret, IP whitelist, API host) or WeChat itself: the operator has to act.
                logger.LogWarning("Mini program login for {AppId} failed at WeChat: {Error}", appId, error);
                return TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "WeChat login failed",
                    detail: $"WeChat answered {error.ErrCode}; the console's account settings may need attention.");
        }
    }

    private static IResult Retry(int status, string title, string detail, int seconds) => new RetryAfterResult(
        TypedResults.Problem(statusCode: status, title: title, detail: detail), seconds);

    private sealed class RetryAfterResult(IResult inner, int seconds) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(httpContext);
        }
    }
}
