using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PushConsole.Accounts;
using PushConsole.Credentials;
using PushConsole.MiniProgram;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.MiniProgram;

/// <summary>A console with one mini program account, and HTTP helpers acting as that mini program's users.</summary>
public sealed class MiniProgramConsole : IAsyncDisposable
{
    private readonly bool ownsHost;

    private MiniProgramConsole(ConsoleHost host, WeChatAccount account, ManualTimeProvider clock, bool ownsHost)
    {
        Host = host;
        Account = account;
        Clock = clock;
        this.ownsHost = ownsHost;
    }

    public ConsoleHost Host { get; }
    public WeChatAccount Account { get; }
    public string AppId => Account.AppId;
    public ManualTimeProvider Clock { get; }

    public static async Task<MiniProgramConsole> StartAsync(IDictionary<string, string?>? settings = null,
        Persistence.DatabaseProvider provider = Persistence.DatabaseProvider.Sqlite)
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var host = await ConsoleHost.StartAsync(provider, settings, s => s.AddSingleton<TimeProvider>(clock));
        return await OnAsync(host, clock, ownsHost: true);
    }

    /// <summary>A mini program account of its own on a console that other tests of the class share.</summary>
    public static Task<MiniProgramConsole> OnAsync(SharedConsoleHost shared) => OnAsync(shared.Host, shared.Clock, ownsHost: false);

    private static async Task<MiniProgramConsole> OnAsync(ConsoleHost host, ManualTimeProvider clock, bool ownsHost)
    {
        var account = await TestAccounts.CreateMiniProgramAsync(host.Contexts(), "wxtest" + Guid.NewGuid().ToString("N")[..12]);
        return new MiniProgramConsole(host, account, clock, ownsHost);
    }

    public string TokenFor(string openId, string? appId = null) =>
        Host.Services.GetRequiredService<MiniProgramSessionTokens>().Issue(appId ?? AppId, openId).Token;

    public HttpClient ClientFor(string openId) => Host.CreateHttpClient(TokenFor(openId));

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public async Task<HttpResponseMessage> PostAsync(HttpClient http, string route, string json, string? appId = null) =>
        await http.PostAsync($"api/miniprogram/{appId ?? AppId}/{route}", Json(json));

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>();

    public async Task<List<Credential>> CredentialsAsync()
    {
        await using var db = await Host.Contexts().CreateDbContextAsync();
        return await db.Credentials.AsNoTracking().Where(c => c.AccountId == Account.Id).OrderBy(c => c.Id).ToListAsync();
    }

    public ValueTask DisposeAsync() => ownsHost ? Host.DisposeAsync() : ValueTask.CompletedTask;
}
