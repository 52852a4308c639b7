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
    private SimulatedMiniProgram(SimulatorServer sim, SimulatedApp app, ConsoleHost host, WeChatAccount account)
    {
        Sim = sim;
        App = app;
        Host = host;
        Account = account;
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
        var secret = host.Services.GetRequiredService<AccountSecretProtector>().Protect(app.Secret);
        var account = await TestAccounts.CreateMiniProgramAsync(host.Contexts(), app.AppId, secret, sim.ApiBaseUrl);
        return new SimulatedMiniProgram(sim, app, host, account);
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
        await Host.DisposeAsync();
        await Sim.DisposeAsync();
    }
}
