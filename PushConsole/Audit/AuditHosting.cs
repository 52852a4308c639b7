using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;

namespace PushConsole.Audit;

/// <summary>Names the actor of every change: the signed-in user of an API request or of a console page's event.</summary>
public static class AuditHosting
{
    public static WebApplicationBuilder AddAuditLog(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<CircuitHandler, AuditActorCircuitHandler>();
        return builder;
    }

    /// <summary>After authorization, so a request signed with an API token is named too (its scheme runs per endpoint).</summary>
    public static WebApplication UseAuditActor(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            using (AuditActor.Use(context.User.Identity is { IsAuthenticated: true } identity ? identity.Name : null))
            {
                await next(context);
            }
        });
        return app;
    }

}

/// <summary>A console page's clicks arrive over its circuit, not as requests: each one runs in its user's name.</summary>
public sealed class AuditActorCircuitHandler(AuthenticationStateProvider authentication) : CircuitHandler
{
    public override Func<CircuitInboundActivityContext, Task> CreateInboundActivityHandler(Func<CircuitInboundActivityContext, Task> next) =>
        async context =>
        {
            var user = (await authentication.GetAuthenticationStateAsync()).User;
            using (AuditActor.Use(user.Identity is { IsAuthenticated: true } identity ? identity.Name : null))
            {
                await next(context);
            }
        };
}
