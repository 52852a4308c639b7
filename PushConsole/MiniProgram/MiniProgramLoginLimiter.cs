using PushConsole.Api;
using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;

namespace PushConsole.MiniProgram;

/// <summary>
/// Limits anonymous logins per client address and per app (<c>MiniProgram:LoginsPerAddress</c>,
/// <c>LoginsPerApp</c>, <c>LoginWindow</c>): every login is a jscode2session call with the AppSecret. A refused
/// login is a 429 with Retry-After, and WeChat is not called.
/// </summary>
public sealed class MiniProgramLoginLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<(IPAddress? Address, string AppId)> limiter;

    public MiniProgramLoginLimiter(MiniProgramOptions options)
    {
        limiter = PartitionedRateLimiter.CreateChained(
            PartitionedRateLimiter.Create<(IPAddress? Address, string AppId), IPAddress>(key =>
                RateLimitPartition.GetFixedWindowLimiter(key.Address ?? IPAddress.None, _ => Window(options.LoginsPerAddress, options.LoginWindow))),
            PartitionedRateLimiter.Create<(IPAddress? Address, string AppId), string>(key =>
                RateLimitPartition.GetFixedWindowLimiter(key.AppId, _ => Window(options.LoginsPerApp, options.LoginWindow))));
    }

    /// <summary>The filter for the login route: 429 with Retry-After when the address or the app is over its limit.</summary>
    public static async ValueTask<object?> FilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var self = http.RequestServices.GetRequiredService<MiniProgramLoginLimiter>();
        var appId = http.GetRouteValue("appId") as string ?? "";
        using var lease = self.limiter.AttemptAcquire((http.Connection.RemoteIpAddress, appId));
        if (lease.IsAcquired)
        {
            return await next(context);
        }
        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return ApiProblem.Of(StatusCodes.Status429TooManyRequests, ProblemTitle.TooManyLogins, ServiceText.Get("ProblemDetail.TooManyLogins", seconds));
    }

    private static FixedWindowRateLimiterOptions Window(int permits, TimeSpan window) => new()
    {
        PermitLimit = permits, Window = window, QueueLimit = 0, AutoReplenishment = true,
    };

    public void Dispose() => limiter.Dispose();
}
