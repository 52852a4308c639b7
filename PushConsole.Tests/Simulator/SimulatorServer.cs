using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PushConsole.Simulator;

namespace PushConsole.Tests.Simulator;

/// <summary>
/// The simulator hosted by Kestrel on 127.0.0.1 (random port), mounted under /sim like the console does, and an
/// HttpClient whose base address is that prefix. One per test class (the clock offset is per simulator).
/// </summary>
public sealed class SimulatorServer : IAsyncLifetime
{
    public const string Prefix = "/sim";

    private WebApplication? app;

    public HttpClient Http { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Lets a test class host the simulator with extra services/middleware (see the mounting tests).</summary>
    public Action<WebApplicationBuilder>? ConfigureBuilder { get; init; }

    public Action<WebApplication>? ConfigurePipeline { get; init; }

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddWeChatSimulator();
        ConfigureBuilder?.Invoke(builder);
        app = builder.Build();
        ConfigurePipeline?.Invoke(app);
        app.MapWeChatSimulator(Prefix);
        await app.StartAsync();
        BaseAddress = new Uri(app.Urls.First().TrimEnd('/') + Prefix + "/");
        Http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = BaseAddress };
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    // ------------------------------------------------------------------ raw calls

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

/// <summary>An app created for one test, with helpers for its calls.</summary>
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
    public static string OpenId(string appId, int index) => PushConsole.Simulator.WeChatSimulator.GeneratedOpenId(appId, index);
}
