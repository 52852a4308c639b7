using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using PushConsole.Simulator;

namespace PushConsole.Tests.Infrastructure;

/// <summary>
/// The suite's one WeChat simulator host: the simulator on a real loopback port (127.0.0.1, a free port), mounted
/// under <see cref="Prefix"/> as the console mounts it, so every account under test also exercises the client's base
/// URL handling. Used as a class fixture (<c>IClassFixture&lt;SimulatorServer&gt;</c>) or started for one test with
/// <see cref="StartAsync"/>. Beyond the simulator's own faults (errcodes, latency), <see cref="FailNextRequests"/>
/// answers bare HTTP errors, and <see cref="RestartAsync"/> loses everything as a restart of the real process does.
/// </summary>
public sealed class SimulatorServer : IAsyncLifetime, IAsyncDisposable
{
    public const string Prefix = "/sim";

    private WebApplication? app;
    private int failures;
    private int failureStatus;

    /// <summary>Options of the simulator (faults, quotas, latency) this server starts with, and again after a restart.</summary>
    public Action<SimulatorOptions>? ConfigureSimulator { get; init; }

    /// <summary>Extra services for the host (a clock, sign-in, antiforgery: see the mounting tests).</summary>
    public Action<WebApplicationBuilder>? ConfigureBuilder { get; init; }

    /// <summary>Extra middleware and routes in front of the simulator.</summary>
    public Action<WebApplication>? ConfigurePipeline { get; init; }

    /// <summary>The simulator's address with the prefix; ends with '/'.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>What an account's ApiBaseUrl is set to.</summary>
    public string ApiBaseUrl => BaseAddress.ToString().TrimEnd('/');

    /// <summary>A client whose base address is <see cref="BaseAddress"/>, for raw calls.</summary>
    public HttpClient Http { get; private set; } = null!;

    /// <summary>The simulator now running (a new one after <see cref="RestartAsync"/>).</summary>
    public WeChatSimulator Simulator => Running.Services.GetRequiredService<WeChatSimulator>();

    private WebApplication Running => app ?? throw new InvalidOperationException("The simulator is not started.");

    public static async Task<SimulatorServer> StartAsync(Action<SimulatorOptions>? configure = null)
    {
        var server = new SimulatorServer { ConfigureSimulator = configure };
        await server.InitializeAsync();
        return server;
    }

    public async Task InitializeAsync()
    {
        app = await StartHostAsync(port: 0);
        BaseAddress = new Uri(app.Urls.First().TrimEnd('/') + Prefix + "/");
        Http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = BaseAddress };
    }

    /// <summary>
    /// Stops the simulator and starts a new one on the same address: everything it knew (apps, tokens, inboxes,
    /// counters) is gone, as after a restart of the real process.
    /// </summary>
    public async Task RestartAsync()
    {
        await Running.StopAsync();
        await Running.DisposeAsync();
        app = await StartHostAsync(BaseAddress.Port);
    }

    private async Task<WebApplication> StartHostAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        builder.Logging.ClearProviders();
        builder.Services.AddRouting();
        builder.Services.AddWeChatSimulator(ConfigureSimulator);
        ConfigureBuilder?.Invoke(builder);
        var host = builder.Build();
        host.Use(async (context, next) =>
        {
            if (Interlocked.Decrement(ref failures) >= 0)
            {
                context.Response.StatusCode = failureStatus;
                return;
            }
            await next(context);
        });
        ConfigurePipeline?.Invoke(host);
        host.MapWeChatSimulator(Prefix);
        await host.StartAsync();
        return host;
    }

    /// <summary>The next <paramref name="count"/> requests (any path) get a bare HTTP <paramref name="status"/>.</summary>
    public void FailNextRequests(int count, int status = 503)
    {
        failureStatus = status;
        Volatile.Write(ref failures, count);
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
            app = null;
        }
    }

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();

    // ------------------------------------------------------------------ set-up in process

    /// <summary>A new app in the simulator with a random appid.</summary>
    public SimulatedApp NewApp(string kind = "miniprogram", int? tokenLifetimeSeconds = null)
    {
        var appId = NewAppId();
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
            && counter.Errors.TryGetValue(errcode.ToString(CultureInfo.InvariantCulture), out var n) ? n : 0;

    /// <summary>Token requests of an app over both token endpoints.</summary>
    public long TokenFetches(string appId) => Calls(appId, "stable_token") + Calls(appId, "token");

    // ------------------------------------------------------------------ raw calls over HTTP

    public async Task<JsonElement> GetAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        return await ReadAsync(response);
    }

    public async Task<JsonElement> PostAsync(string path, object body)
    {
        using var response = await Http.PostAsJsonAsync(path, body);
        return await ReadAsync(response);
    }

    public async Task<JsonElement> PostTextAsync(string path, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await Http.PostAsync(path, content);
        return await ReadAsync(response);
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"HTTP {(int)response.StatusCode} {response.RequestMessage?.RequestUri}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static int Errcode(JsonElement reply) =>
        reply.TryGetProperty("errcode", out var code) ? code.GetInt32() : 0;

    // ------------------------------------------------------------------ set-up through the control API

    public static string NewAppId() => "wx" + Guid.NewGuid().ToString("N")[..16];

    public async Task<TestApp> NewAppAsync(string kind, int? tokenLifetimeSeconds = null, Dictionary<string, long?>? quotas = null)
    {
        var appId = NewAppId();
        var secret = Guid.NewGuid().ToString("N");
        await PostAsync("control/apps", new { appid = appId, secret, kind, token_lifetime_seconds = tokenLifetimeSeconds, quotas });
        return new TestApp(this, appId, secret);
    }

    public async Task AdvanceAsync(double seconds) => await PostAsync("control/clock/advance", new { seconds });

    public async Task SetNowAsync(DateTimeOffset now) => await PostAsync("control/clock", new { now });
}

/// <summary>An app registered in process (<see cref="SimulatorServer.NewApp"/>).</summary>
public sealed record SimulatedApp(string AppId, string Secret, Accounts.AccountKind Kind);

/// <summary>An app created for one test through the control API, with helpers for its calls.</summary>
public sealed record TestApp(SimulatorServer Server, string AppId, string Secret)
{
    public async Task<string> TokenAsync()
    {
        var reply = await Server.GetAsync($"cgi-bin/token?grant_type=client_credential&appid={AppId}&secret={Secret}");
        return reply.GetProperty("access_token").GetString()!;
    }

    public Task<JsonElement> StableTokenAsync(bool force = false) =>
        Server.PostAsync("cgi-bin/stable_token", new { grant_type = "client_credential", appid = AppId, secret = Secret, force_refresh = force });

    public Task<JsonElement> DefineTemplateAsync(object spec) => Server.PostAsync($"control/apps/{AppId}/templates", spec);

    public Task<JsonElement> GenerateFollowersAsync(int count) => Server.PostAsync($"control/apps/{AppId}/followers/generate", new { count });

    public async Task<string> OpenIdAsync(int index) =>
        (await Server.GetAsync($"control/apps/{AppId}/openid/{index}")).GetProperty("openid").GetString()!;

    public async Task<JsonElement> InboxAsync(string openId) => await Server.GetAsync($"control/inbox/{AppId}/{openId}");

    public async Task<int> InboxCountAsync(string openId) => (await InboxAsync(openId)).GetProperty("count").GetInt32();

    public Task<JsonElement> SendTemplateAsync(string token, object body) =>
        Server.PostAsync($"cgi-bin/message/template/send?access_token={token}", body);

    public Task<JsonElement> SendSubscribeAsync(string token, object body) =>
        Server.PostAsync($"cgi-bin/message/subscribe/send?access_token={token}", body);

    public Task<JsonElement> SendLegacyAsync(string token, object body) =>
        Server.PostAsync($"cgi-bin/message/wxopen/template/send?access_token={token}", body);

    public Task<JsonElement> UserGetAsync(string token, string? next = null) =>
        Server.GetAsync($"cgi-bin/user/get?access_token={token}" + (next is null ? "" : "&next_openid=" + Uri.EscapeDataString(next)));
}

/// <summary>Generated openids, computed like the simulator does (public static API, no HTTP needed).</summary>
public static class WeChatSimulatorIds
{
    public static string OpenId(string appId, int index) => WeChatSimulator.GeneratedOpenId(appId, index);
}
