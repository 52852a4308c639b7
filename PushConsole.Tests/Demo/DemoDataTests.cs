using System.Net.Http.Json;
using System.Text.Json;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.Demo;

public class DemoDataTests
{
    [Fact]
    public async Task A_first_run_with_demo_data_shows_accounts_templates_and_reachable_users_backed_by_the_simulator()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite, new Dictionary<string, string?>
        {
            ["Demo:Enabled"] = "true", ["Demo:MiniProgramUsers"] = "40", ["Demo:Followers"] = "300",
        });
        using var http = host.CreateHttpClient(ConsoleHost.AdminApiToken);
        await host.Services.GetRequiredService<PushConsole.Demo.DemoData>().Seeded.WaitAsync(TimeSpan.FromSeconds(60));

        var accounts = await EventuallyAsync(async () =>
        {
            var list = await http.GetFromJsonAsync<JsonElement>("api/v1/accounts");
            return list.GetArrayLength() == 2 ? list : (JsonElement?)null;
        });
        var mini = accounts.EnumerateArray().Single(a => a.GetProperty("appId").GetString() == "wxdemominiprog01");
        Assert.Equal($"{host.BaseAddress}sim", mini.GetProperty("apiBaseUrl").GetString());
        var inventory = await EventuallyAsync(async () =>
        {
            var figures = await http.GetFromJsonAsync<JsonElement>($"api/v1/inventory?accountId={mini.GetProperty("id").GetInt32()}");
            return figures.GetProperty("reachableUsers").GetInt32() > 0 ? figures : (JsonElement?)null;
        });
        var templates = await http.GetFromJsonAsync<JsonElement>("api/v1/templates");

        // Demo users 0, 10, 20 and 30 get no formId; 0 and 30 hold a subscribe grant, so 38 of 40 are reachable.
        Assert.Equal(38, inventory.GetProperty("reachableUsers").GetInt32());
        Assert.Equal(3, templates.GetArrayLength());
        Assert.All(templates.EnumerateArray(), t => Assert.True(t.GetProperty("enabled").GetBoolean()));
        var simulator = host.Services.GetRequiredService<PushConsole.Simulator.WeChatSimulator>();
        Assert.Equal(300, simulator.Followers("wxdemoofficial01").Total);
    }

    private static async Task<JsonElement> EventuallyAsync(Func<Task<JsonElement?>> probe)
    {
        for (var attempt = 0; attempt < 60; attempt++)
        {
            if (await probe() is { } value) return value;
            await Task.Delay(500);
        }
        throw new TimeoutException("Demo data did not appear within 30 s.");
    }
}
