using System.Net.Http.Json;
using System.Text.Json;
using PushConsole.Accounts;
using PushConsole.Persistence;
using PushConsole.Simulator;
using PushConsole.Tests.Infrastructure;
using PushConsole.Tests.WeChat;

namespace PushConsole.Tests.MiniProgram;

/// <summary>
/// The console and the WeChat simulator, each on its own loopback port, with a mini program known to both: the
/// console's account carries the simulator's secret (encrypted) and the simulator as its API host.
/// </summary>
public sealed class SimulatedMiniProgram : IAsyncDisposable
{
    /// <summary>Whether this mini program started the console and the simulator (and so stops them).</summary>
    private readonly bool ownsHosts;

    private SimulatedMiniProgram(SimulatorServer sim, SimulatedApp app, ConsoleHost host, WeChatAccount account, bool ownsHosts)
    {
        Sim = sim;
        App = app;
        Host = host;
        Account = account;
        this.ownsHosts = ownsHosts;
    }

    public SimulatorServer Sim { get; }
    public SimulatedApp App { get; }
    public ConsoleHost Host { get; }
    public WeChatAccount Account { get; }
    public string AppId => App.AppId;
    public WeChatSimulator WeChat => Sim.Simulator;

    public static async Task<SimulatedMiniProgram> StartAsync(DatabaseProvider provider = DatabaseProvider.Sqlite,
        IDictionary<string, string?>? settings = null)
    {
        var sim = await SimulatorServer.StartAsync();
        var app = sim.NewApp();
        var values = new Dictionary<string, string?>
        {
            ["WeChat:RetryBaseDelay"] = "00:00:00.010",
            ["WeChat:RetryMaxDelay"] = "00:00:00.100",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }
        var host = await ConsoleHost.StartAsync(provider, values);
        return await CreateAsync(sim, app, host, ownsHosts: true);
    }

    /// <summary>A new mini program on a console and a simulator shared with other tests (see <see cref="SharedMiniProgramHosts"/>).</summary>
    public static Task<SimulatedMiniProgram> InAsync(SimulatorServer sim, ConsoleHost host) =>
        CreateAsync(sim, sim.NewApp(), host, ownsHosts: false);

    private static async Task<SimulatedMiniProgram> CreateAsync(SimulatorServer sim, SimulatedApp app, ConsoleHost host, bool ownsHosts)
    {
        var secret = host.Services.GetRequiredService<AccountSecretProtector>().Protect(app.Secret);
        var account = await TestAccounts.CreateMiniProgramAsync(host.Contexts(), app.AppId, secret, sim.ApiBaseUrl);
        return new SimulatedMiniProgram(sim, app, host, account, ownsHosts);
    }

    /// <summary>What the kit does on start: wx.login, then the console's login; returns the session token.</summary>
    public async Task<string> LogInAsync(string openId)
    {
        var code = WeChat.MintLoginCode(AppId, openId);
        using var http = Host.CreateHttpClient();
        var response = await http.PostAsJsonAsync($"api/miniprogram/{AppId}/login", new { code });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        if (!ownsHosts)
        {
            return;
        }
        await Host.DisposeAsync();
        await Sim.DisposeAsync();
    }
}

/// <summary>
/// One console and one simulator for the tests of a class, each test in a mini program of its own
/// (<see cref="NewAsync"/>): a console start costs about a second of CPU, a new account a few milliseconds.
/// </summary>
public sealed class SharedMiniProgramHosts : IAsyncLifetime
{
    private SimulatorServer sim = null!;
    private ConsoleHost host = null!;

    public async Task InitializeAsync()
    {
        sim = await SimulatorServer.StartAsync();
        host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite, new Dictionary<string, string?>
        {
            ["WeChat:RetryBaseDelay"] = "00:00:00.010",
            ["WeChat:RetryMaxDelay"] = "00:00:00.100",
        });
    }

    public Task<SimulatedMiniProgram> NewAsync() => SimulatedMiniProgram.InAsync(sim, host);

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await sim.DisposeAsync();
    }
}
