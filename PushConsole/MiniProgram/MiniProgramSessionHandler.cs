using PushConsole.Api;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using PushConsole.MiniProgram;

namespace PushConsole.MiniProgram;

/// <summary>
/// <c>Authorization: Bearer &lt;session token&gt;</c> on the mini program endpoints. The token must come from this
/// console's login for the app in the route and be unexpired; the principal then carries that app and openid,
/// which is the only place the endpoints take the openid from.
/// </summary>
public sealed class MiniProgramSessionHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    MiniProgramSessionTokens tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "MiniProgramSession";
    public const string OpenIdClaim = "openid";
    public const string AppIdClaim = "appid";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.Fail("The Authorization header is not a Bearer token."));
        }
        var appId = Request.RouteValues["appId"] as string ?? "";
        var session = tokens.Validate(header["Bearer ".Length..].Trim(), appId);
        if (session is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("The session token is malformed, expired or for another app."));
        }
        var identity = new ClaimsIdentity([new Claim(OpenIdClaim, session.OpenId), new Claim(AppIdClaim, session.AppId)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        ApiProblem.WriteAsync(Context, StatusCodes.Status401Unauthorized, ProblemTitle.Unauthorized, ServiceText.Get("ProblemDetail.SessionToken"));
}

public static class MiniProgramPrincipal
{
    /// <summary>The openid the session token vouches for (the endpoints require the session scheme, so it is there).</summary>
    public static string OpenId(this ClaimsPrincipal user) =>
        user.FindFirst(MiniProgramSessionHandler.OpenIdClaim)?.Value ?? throw new InvalidOperationException("No mini program session.");
}
