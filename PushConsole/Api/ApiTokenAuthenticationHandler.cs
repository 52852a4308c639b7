using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using PushConsole.Users;

namespace PushConsole.Api;

/// <summary>
/// <c>Authorization: Bearer &lt;personal API token&gt;</c> on <c>/api/v1/*</c>. The token acts as its user, with the
/// user's current roles, read again at most every few seconds (<see cref="ApiTokenPrincipals"/>); the tokens of a user an admin locked stop working, while a lockout
/// after wrong passwords (which anyone can cause) leaves them alone. Failures answer with problem+json, not a redirect.
/// </summary>
public sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiTokenService tokens,
    ApiTokenPrincipals resolved,
    UserManager<ConsoleUser> users,
    IUserClaimsPrincipalFactory<ConsoleUser> principals)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.Fail("The Authorization header is not a Bearer token.");
        }
        var plain = header["Bearer ".Length..].Trim();
        var hash = ApiToken.HashOf(plain);
        if (resolved.Find(hash) is { } claims)
        {
            return Success(claims);
        }
        var generation = resolved.Generation;
        var userId = await tokens.FindUserIdAsync(plain, Context.RequestAborted);
        if (userId is null)
        {
            return AuthenticateResult.Fail("The API token is unknown or revoked.");
        }
        var user = await users.FindByIdAsync(userId);
        if (user is null || UserAdministration.IsDisabled(user))
        {
            return AuthenticateResult.Fail("The API token's user is locked or gone.");
        }
        var principal = await principals.CreateAsync(user);
        var found = principal.Claims.ToList();
        resolved.Remember(hash, user.Id, found, generation);
        return Success(found);
    }

    private static AuthenticateResult Success(IEnumerable<Claim> claims) =>
        AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        ApiProblem.WriteAsync(Context, StatusCodes.Status401Unauthorized, ProblemTitle.Unauthorized, ServiceText.Get("ProblemDetail.ApiToken"));

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ApiProblem.WriteAsync(Context, StatusCodes.Status403Forbidden, ProblemTitle.Forbidden, ServiceText.Get("ProblemDetail.Role"));
}
