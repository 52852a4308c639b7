using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using PushConsole.Persistence;
using Quartz;

namespace PushConsole.Health;

public static class HealthHosting
{
    private const string Ready = "ready";

    public static WebApplicationBuilder AddConsoleHealth(this WebApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            // EF Core's own check: the console's context can connect (CanConnectAsync), with the failure in the report.
            .AddDbContextCheck<PushConsoleDbContext>("database", tags: [Ready])
            .AddQuartz(o =>
            {
                o.Name = "scheduler";
                o.Tags.Add(Ready);
            });
        return builder;
    }

    public static WebApplication MapConsoleHealth(this WebApplication app)
    {
        // Liveness: the process answers. Readiness: the database and the scheduler work.
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(Ready),
            ResponseWriter = WriteReport,
        }).AllowAnonymous();
        return app;
    }

    private static Task WriteReport(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), e.Value.Description }),
        });
    }
}
