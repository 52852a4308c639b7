using PushConsole.Api;
using MudBlazor;
using MudBlazor.Services;
using PushConsole.Audit;
using PushConsole.Shell;

namespace PushConsole.Components;

public static class ShellHosting
{
    public static WebApplicationBuilder AddConsoleShell(this WebApplicationBuilder builder)
    {
        // Package assets (_content/MudBlazor) are read from the build's manifest in every environment when running
        // from a build rather than a publish; without this only Development finds them.
        builder.WebHost.UseStaticWebAssets();
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices(options =>
        {
            options.SnackbarConfiguration.PositionClass = Defaults.Classes.Position.BottomRight;
            options.SnackbarConfiguration.PreventDuplicates = false;
        });
        builder.Services.AddTransient<MudLocalizer, ConsoleMudLocalizer>();
        builder.Services.AddScoped<AccountSelection>();
        builder.Services.AddScoped<UserZone>();
        builder.AddConsoleCultures();
        return builder;
    }

    public static WebApplication UseConsolePipeline(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
            // Inside the page handler, so it answers first: API callers (the console's and the mini program's) get a
            // problem+json body with the status, a title and the trace id, never the exception; the HTML page is for people.
            app.UseWhen(context => context.Request.Path.StartsWithSegments("/api"), api => api.UseExceptionHandler());
        }
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        // Inside the page, so it answers first: an API status without a body (a wrong method or content type) is
        // problem+json in the caller's language (ApiProblem translates the framework's title), not the console's page.
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/api"), api => api.UseStatusCodePages());
        app.UseRequestLocalization();
        app.UseApiRouteMisses();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAuditActor();
        app.UseAntiforgery();
        return app;
    }

    public static WebApplication MapConsoleShell(this WebApplication app)
    {
        app.MapStaticAssets().AllowAnonymous();
        app.MapCultureSwitch();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
