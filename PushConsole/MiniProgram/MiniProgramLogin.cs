using PushConsole.Api;
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
                return ApiProblem.Of(StatusCodes.Status401Unauthorized, ProblemTitle.LoginCodeRefused,
                    ServiceText.Get(error.ErrCode == 40163 ? "ProblemDetail.LoginCodeUsed" : "ProblemDetail.LoginCodeInvalid", error.ErrCode));
            case WeChatErrorKind.RateLimited:
                return Retry(StatusCodes.Status429TooManyRequests, ProblemTitle.TooManyLogins, ServiceText.Get("ProblemDetail.WeChatLoginLimit"), 60);
            case WeChatErrorKind.Transient:
                return Retry(StatusCodes.Status503ServiceUnavailable, ProblemTitle.WeChatUnavailable, ServiceText.Get("ProblemDetail.WeChatNoAnswer"), 5);
            case WeChatErrorKind.Other when error.ErrCode == 40226:
                return ApiProblem.Of(StatusCodes.Status403Forbidden, ProblemTitle.LoginBlocked, ServiceText.Get("ProblemDetail.LoginBlocked"));
            default:
                // The account's set-up (secret, IP whitelist, API host) or WeChat itself: the operator has to act.
                logger.LogWarning("Mini program login for {AppId} failed at WeChat: {Error}", appId, error);
                return ApiProblem.Of(StatusCodes.Status502BadGateway, ProblemTitle.WeChatLoginFailed, ServiceText.Get("ProblemDetail.WeChatLoginFailed", error.ErrCode));
        }
    }

    private static IResult Retry(int status, ProblemTitle title, string detail, int seconds) => new RetryAfterResult(
        ApiProblem.Of(status, title, detail), seconds);

    private sealed class RetryAfterResult(IResult inner, int seconds) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(httpContext);
        }
    }
}
