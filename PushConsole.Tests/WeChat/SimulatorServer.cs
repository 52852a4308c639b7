using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using PushConsole.Simulator;

namespace PushConsole.Tests.WeChat;

/// <summary>
/// The WeChat simulator on a real loopback port, mounted under a path prefix (so the client's base URL handling is
/// exercised too). In front of it, <see cref="FailNextRequests"/> answers plain HTTP errors, which the simulator's
/// own faults (errcodes, latency) do not cover.
/// </summary>
public sealed class SimulatorServer : IAsyncDisposable
{
    private const string Prefix = "/wechat";
    private readonly Action<SimulatorOptions>? configure;
    private WebApplication app;
    private int failures;
    private int failureStatus;

    private SimulatorServer(WebApplication app, string baseUrl, Action<SimulatorOptions>? configure)
    {
        this.app = app;
        this.configure = configure;
        ApiBaseUrl = baseUrl;
    }

    /// <summary>The simulator now running (a new one after <see cref="RestartAsync"/>).</summary>
    public WeChatSimulator Simulator => app.Services.GetRequiredService<WeChatSimulator>();

    /// <summary>What an account's ApiBaseUrl is set to.</summary>
    public string ApiBaseUrl { get; }

    public static async Task<SimulatorServer> StartAsync(Action<SimulatorOptions>? configure = null)
    {
        SimulatorServer? server = null;
        var app = await StartHostAsync(configure, port: 0, () => server);
        server = new SimulatorServer(app, app.Urls.First().TrimEnd('/') + Prefix, configure);
        return server;
    }

    /// <summary>
    /// Stops the simulator and starts a new one on the same address: everything it knew (apps, tokens, inboxes,
    /// counters) is gone, as after a restart of the real process.
    /// </summary>
    public async Task RestartAsync()
    {
        var port = new Uri(ApiBaseUrl).Port;
        await app.StopAsync();
        await app.DisposeAsync();
        app = await StartHostAsync(configure, port, () => this);
    }

    private static async Task<WebApplication> StartHostAsync(Action<SimulatorOptions>? configure, int port, Func<SimulatorServer?> server)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        builder.Logging.ClearProviders();
        builder.Services.AddWeChatSimulator(configure);
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            if (server() is { } s && Interlocked.Decrement(ref s.failures) >= 0)
            {
                context.Response.StatusCode = s.failureStatus;
                return;
            }
            await next(context);
        });
        app.MapWeChatSimulator(Prefix);
        await app.StartAsync();
        return app;
    }

    /// <summary>The next <paramref name="count"/> requests (any path) get a bare HTTP <paramref name="status"/>.</summary>
    public void FailNextRequests(int count, int status = 503)
    {
        failureStatus = status;
        Volatile.Write(ref failures, count);
    }

    /// <summary>A new app in the simulator with a random appid.</summary>
    public SimulatedApp NewApp(string kind = "miniprogram", int? tokenLifetimeSeconds = null)
    {
        var appId = "wx" + Guid.NewGuid().ToString("N")[..16];
        var secret = Guid.NewGuid().ToString("N");
        Simulator.UpsertApp(new AppSpec { AppId = appId, Secret = secret, Kind = kind, TokenLifetimeSeconds = tokenLifetimeSeconds });
        return new SimulatedApp(appId, secret, kind == "officialaccount" ? Accounts.AccountKind.OfficialAccount : Accounts.AccountKind.MiniProgram);
    }

    /// <summary>Calls of one API by one app so far (the simulator counts every call it answers, failed or not).</summary>
    public long Calls(string appId, string api) =>
        Simulator.GetCounters().TryGetValue(appId, out var apis) && apis.TryGetValue(api, out var counter) ? counter.Calls : 0;

    /// <summary>Answers with one errcode from one API so far.</summary>
    public long Errors(string appId, string api, int errcode) =>
        Simulator.GetCounters().TryGetValue(appId, out var apis) && apis.TryGetValue(api, out var counter)
            && counter.Errors.TryGetValue(errcode.ToString(System.Globalization.CultureInfo.InvariantCulture), out var n) ? n : 0;

    /// <summary>Token requests of an app over both token endpoints.</summary>
    public long TokenFetches(string appId) => Calls(appId, "stable_token") + Calls(appId, "token");

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

public sealed record SimulatedApp(string AppId, string Secret, Accounts.AccountKind Kind);
