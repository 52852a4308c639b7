using Microsoft.EntityFrameworkCore;
using System.Net.Http.Json;
using System.Text.Json;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.Demo;

public class DemoDataTests
{
    [Fact]
    public async Task A_first_run_with_demo_data_shows_accounts_templates_users_a_finished_push_a_daily_reminder_and_a_live_reminder()
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
        // The welcome push goes to the 14 users holding a subscribe grant (every third of 40) and spends those grants.
        var welcome = await EventuallyAsync(async () =>
        {
            var runs = await http.GetFromJsonAsync<JsonElement>("api/v1/runs");
            var run = runs.EnumerateArray().FirstOrDefault(r => r.GetProperty("name").GetString()!.StartsWith("Welcome", StringComparison.Ordinal));
            return run.ValueKind == JsonValueKind.Object && run.GetProperty("status").GetString() == "Completed" ? run : (JsonElement?)null;
        });
        Assert.True(welcome.GetProperty("counts").GetProperty("sent").GetInt32() == 14,
            await http.GetStringAsync($"api/v1/runs/{welcome.GetProperty("id").GetInt64()}/deliveries"));
        var inventory = await http.GetFromJsonAsync<JsonElement>($"api/v1/inventory?accountId={mini.GetProperty("id").GetInt32()}");
        var templates = await http.GetFromJsonAsync<JsonElement>("api/v1/templates");

        // Demo users 0, 10, 20 and 30 get no formId; 0 and 30 held only a grant, now spent: 36 of 40 are reachable.
        Assert.Equal(36, inventory.GetProperty("reachableUsers").GetInt32());
        var campaigns = await http.GetFromJsonAsync<JsonElement>("api/v1/campaigns");
        var daily = campaigns.EnumerateArray().Single(c => c.GetProperty("name").GetString() == "Daily check-in reminder");
        Assert.Equal("Recurring", daily.GetProperty("schedule").GetString());
        Assert.Equal(10, daily.GetProperty("nextFire").GetDateTimeOffset().ToOffset(TimeSpan.FromHours(8)).Hour);
        var channel = (await http.GetFromJsonAsync<JsonElement>("api/v1/channels")).EnumerateArray().Single();
        Assert.True(channel.GetProperty("reminder").GetProperty("enabled").GetBoolean());
        Assert.Equal("NotNotified", channel.GetProperty("reminder").GetProperty("status").GetString());
        Assert.Equal(3, templates.GetArrayLength());
        Assert.All(templates.EnumerateArray(), t => Assert.True(t.GetProperty("enabled").GetBoolean()));
        var simulator = host.Services.GetRequiredService<PushConsole.Simulator.WeChatSimulator>();
        Assert.Equal(300, simulator.Followers("wxdemoofficial01").Total);

        // The live reminder opens the demo mini program, which the simulator binds to the demo official account: the
        // reminder's own message, sent to one follower with the account's client, is accepted by WeChat.
        Assert.Equal(["wxdemominiprog01"], simulator.GetApp("wxdemoofficial01")!.MiniPrograms);
        var live = Assert.Single(await host.Services.GetRequiredService<PushConsole.Channels.ChannelService>().ListAsync());
        await using var db = await host.Contexts().CreateDbContextAsync();
        var official = await db.Accounts.AsNoTracking().SingleAsync(a => a.Id == live.AccountId);
        var liveTemplate = await db.Templates.AsNoTracking().SingleAsync(t => t.Id == live.TemplateId);
        var (message, problem) = PushConsole.Channels.ReminderMessage.Prepare(
            host.Services.GetRequiredService<PushConsole.Templates.TemplateRenderer>(), live, liveTemplate);
        Assert.True(message is not null, problem);
        var follower = PushConsole.Simulator.WeChatSimulator.GeneratedOpenId("wxdemoofficial01", 7);
        var outcome = await host.Services.GetRequiredService<PushConsole.WeChat.IWeChatClientFactory>().For(official)
            .SendOfficialTemplateAsync(message.For(follower), "demo-live-check", CancellationToken.None);
        Assert.True(outcome.Succeeded, outcome.ToString());
        var delivered = Assert.Single(simulator.GetInbox("wxdemoofficial01", follower));
        Assert.Equal(("wxdemominiprog01", PushConsole.Demo.DemoData.LivePagePath), (delivered.MiniProgramAppId, delivered.MiniProgramPagePath));
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
