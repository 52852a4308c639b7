using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using PushConsole.Accounts;
using PushConsole.Simulator;

namespace PushConsole.Hosting;

/// <summary>
/// The WeChat simulator mounted in the console at <c>/sim</c>: the default WeChat of a first run, demos and tests.
/// It answers without authentication and its control API hands out secrets and mints login codes, so it is on only
/// in Development or when <c>WeChat:Simulator:Enabled</c> says so, and then says so loudly at start.
/// </summary>
public static class EmbeddedSimulator
{
    public const string Prefix = "/sim";

    public static bool IsEnabled(IConfiguration configuration, IHostEnvironment environment) =>
        configuration.GetValue<bool?>("WeChat:Simulator:Enabled") ?? environment.IsDevelopment();

    public static WebApplicationBuilder AddEmbeddedSimulator(this WebApplicationBuilder builder)
    {
        if (IsEnabled(builder.Configuration, builder.Environment))
        {
            builder.Services.AddWeChatSimulator(o => builder.Configuration.GetSection("WeChat:Simulator").Bind(o));
            builder.Services.AddSingleton<IApiBaseUrlAllowance, SimulatorAllowance>();
        }
        return builder;
    }

    public static WebApplication MapEmbeddedSimulator(this WebApplication app)
    {
        if (IsEnabled(app.Configuration, app.Environment))
        {
            app.MapWeChatSimulator(Prefix);
            app.Lifetime.ApplicationStarted.Register(() => app.Logger.LogWarning(
                "The WeChat simulator is ON at {Url}/control and the rest of {Prefix}: it answers anyone, hands out app secrets and " +
                "mints login codes. Never expose this console; turn it off with WeChat:Simulator:Enabled=false.",
                Url(app.Services.GetRequiredService<IServer>()), Prefix));
        }
        else
        {
            // Off: a plain 404 for anyone who probes, rather than the sign-in page.
            app.Map(Prefix, () => Results.NotFound()).AllowAnonymous().DisableAntiforgery();
            app.Map(Prefix + "/{**rest}", () => Results.NotFound()).AllowAnonymous().DisableAntiforgery();
        }
        return app;
    }

    /// <summary>The simulator's URL on the console's own (first) address, as accounts point at it.</summary>
    public static string Url(IServer server)
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? OperatorConfiguration.DefaultUrl;
        return address.Replace("://0.0.0.0", "://127.0.0.1").Replace("://[::]", "://127.0.0.1").Replace("://+", "://127.0.0.1").TrimEnd('/')
            + Prefix;
    }

    /// <summary>While the simulator is on, accounts may point at it: /sim on a loopback address of a port the console listens on.</summary>
    private sealed class SimulatorAllowance(IServer server) : IApiBaseUrlAllowance
    {
        public string? SuggestedBaseUrl => Url(server);

        public bool Allows(Uri url) =>
            ApiHostPolicy.IsLoopback(url)
            && url.AbsolutePath.TrimEnd('/') == Prefix
            && (server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [])
                .Any(a => Uri.TryCreate(a.Replace("://+", "://localhost").Replace("://*", "://localhost"), UriKind.Absolute, out var listening)
                    && listening.Port == url.Port && listening.Scheme == url.Scheme);
    }
}
