namespace PushConsole.Shell;

/// <summary>
/// Headers on every response: no MIME sniffing, no referrer beyond the origin, no framing (clickjacking), and a
/// Content-Security-Policy that lets only the console's own scripts run. Blazor Server and the component libraries
/// need no eval; they do set inline styles, and the circuit talks over a WebSocket to the same host. HSTS is sent
/// over HTTPS only (a plain-HTTP console on 127.0.0.1 must not pin browsers to HTTPS).
/// </summary>
public static class SecurityHeaders
{
    public static WebApplicationBuilder AddSecurityHeaders(this WebApplicationBuilder builder)
    {
        builder.Services.AddHsts(o =>
        {
            o.MaxAge = TimeSpan.FromDays(365);
            o.IncludeSubDomains = false;
        });
        return builder;
    }

    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts(); // only ever written on HTTPS requests
        }
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
                headers.ContentSecurityPolicy = PolicyFor(context.Request);
                return Task.CompletedTask;
            });
            return next(context);
        });
        return app;
    }

    public static string PolicyFor(HttpRequest request)
    {
        var socket = (request.IsHttps ? "wss://" : "ws://") + request.Host.Value;
        return "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
            $"connect-src 'self' {socket}; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";
    }
}
