using PushConsole.Api;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.RateLimiting;

namespace PushConsole.MiniProgram;

public static class MiniProgramHosting
{
    public const string SessionPolicy = "MiniProgramSession";
    public const string PerUserLimit = "MiniProgramPerUser";

    /// <summary>The session-token scheme and policy, and the per-user rate limit of the mini program endpoint.</summary>
    public static WebApplicationBuilder AddMiniProgramEndpoints(this WebApplicationBuilder builder)
    {
        // Login calls jscode2session through the WeChat client (AddConsoleWeChat).
        builder.Services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, MiniProgramSessionHandler>(MiniProgramSessionHandler.SchemeName, null);
        builder.Services.AddSingleton<MiniProgramLoginLimiter>();
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(SessionPolicy, p => p.AddAuthenticationSchemes(MiniProgramSessionHandler.SchemeName).RequireAuthenticatedUser());
        builder.Services.AddRateLimiter(o =>
        {
            o.AddPolicy(PerUserLimit, http =>
            {
                var options = http.RequestServices.GetRequiredService<MiniProgramOptions>();
                var openId = http.User.FindFirst(MiniProgramSessionHandler.OpenIdClaim)?.Value;
                if (openId is null)
                {
                    return RateLimitPartition.GetNoLimiter("anonymous"); // unauthenticated requests were already refused
                }
                var appId = http.User.FindFirst(MiniProgramSessionHandler.AppIdClaim)?.Value;
                // One token per (window / requests): a smooth rate with a burst allowance, not a cliff each window.
                return RateLimitPartition.GetTokenBucketLimiter($"{appId}\n{openId}", _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = options.RequestBurst,
                    TokensPerPeriod = 1,
                    ReplenishmentPeriod = options.RequestWindow / options.RequestsPerWindow,
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            o.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await ApiProblem.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, ProblemTitle.TooManyRequests,
                    ServiceText.Get("ProblemDetail.TooManyRequests", seconds));
            };
        });
        return builder;
    }

    /// <summary>Rate limiting runs after authorization, so the limiter partitions by the session's openid.</summary>
    public static WebApplication UseMiniProgramRateLimits(this WebApplication app)
    {
        app.UseRateLimiter();
        return app;
    }

    public static WebApplication MapMiniProgramEndpoints(this WebApplication app)
    {
        var group = app.MapGroup("/api/miniprogram/{appId}")
            .WithTags("Mini program")
            // Not the console's sign-in: login is AllowAnonymous, the other routes require the session policy
            // (which replaces the sign-in fallback policy). JSON with a bearer token, no cookies: no antiforgery.
            .DisableAntiforgery();
        group.MapMiniProgramLogin();
        group.MapMiniProgramRoutes();
        return app;
    }
}
