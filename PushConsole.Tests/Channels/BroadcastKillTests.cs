using Xunit.Abstractions;
using System.Net.Http.Json;
using System.Text.Json;
using PushConsole.Persistence;
using PushConsole.Templates;
using PushConsole.Tests.Infrastructure;
using PushConsole.Tests.Simulator;

namespace PushConsole.Tests.Channels;

/// <summary>The crash that matters: the console process killed with SIGKILL in the middle of a broadcast.</summary>
public class BroadcastKillTests(SimulatorServer sim, ITestOutputHelper log) : IClassFixture<SimulatorServer>
{
    private const int Followers = 10_000;

    [Fact]
    public async Task A_console_killed_mid_broadcast_resumes_after_restart_and_every_follower_gets_exactly_one_message()
    {
        var app = await sim.NewAppAsync("officialaccount", quotas: new Dictionary<string, long?> { ["template_send"] = null, ["user_get"] = null });
        await app.GenerateFollowersAsync(Followers);
        var weChatTemplateId = (await app.DefineTemplateAsync(new { title = "开播提醒", content = ChannelsHarness.TemplateContent }))
            .GetProperty("template_id").GetString()!;
        var database = TestDatabases.NewSqlite();
        var port = ConsoleProcess.FreePort();
        var settings = new Dictionary<string, string>();

        int channelId;
        int sentAtKill;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using (var first = await ConsoleProcess.StartAsync(database, port, settings))
        {
            log.WriteLine($"{clock.Elapsed}: first console ready");
            using var api = first.CreateHttpClient();
            using var account = await api.PostAsJsonAsync("api/v1/accounts", new
            {
                name = "Live", kind = 2, appId = app.AppId, secret = app.Secret, apiBaseUrl = sim.BaseAddress.ToString(),
                sendRatePerSecond = 2_000, dailyQuota = 1_000_000, timeZone = "UTC",
            });
            Assert.True(account.IsSuccessStatusCode, await account.Content.ReadAsStringAsync());
            var accountId = (await account.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
            var templateId = await AddLiveStartTemplateAsync(database, accountId, weChatTemplateId);
            // The reminder is due at once: the live starts in ten minutes and reminds ten minutes ahead.
            using var channel = await api.PostAsJsonAsync("api/v1/channels", new
            {
                name = "Kill test live", accountId, templateId, timeZone = "UTC", reminderEnabled = true, reminderMinutesAhead = 10,
                startsAt = DateTime.UtcNow.AddMinutes(10).ToString("yyyy-MM-ddTHH:mm:ss"),
            });
            Assert.True(channel.IsSuccessStatusCode, await channel.Content.ReadAsStringAsync());
            channelId = (await channel.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();

            await BroadcastTests.WaitUntilAsync(async () => await SentAsync(api, channelId) >= 2_500, 90);
            log.WriteLine($"{clock.Elapsed}: killing");
            first.KillHard();
            sentAtKill = await new DeliveryCountReader(database).SentAsync();
        }
        Assert.InRange(sentAtKill, 2_500, Followers - 1);

        using var second = await ConsoleProcess.StartAsync(database, port, settings);
        log.WriteLine($"{clock.Elapsed}: second console ready");
        using var api2 = second.CreateHttpClient();
        await BroadcastTests.WaitUntilAsync(async () => await StatusAsync(api2, channelId) == "Notified", 120);

        log.WriteLine($"{clock.Elapsed}: notified");
        await app.AssertEachGotExactlyOneAsync(weChatTemplateId, Followers);
        Assert.Equal(Followers, await SentAsync(api2, channelId));
    }

    internal static async Task<int> AddLiveStartTemplateAsync(DatabaseOptions database, int accountId, string weChatTemplateId)
    {
        await using var db = TestDbContextFactory.For(database).CreateDbContext();
        var template = new MessageTemplate
        {
            AccountId = accountId, Kind = TemplateKind.OfficialAccountTemplate, WeChatTemplateId = weChatTemplateId, Title = "开播提醒",
            Content = ChannelsHarness.TemplateContent, Enabled = true,
            Fields = [new TemplateField { Key = "thing1", ValueExpression = "{channel.name}" }, new TemplateField { Key = "time2", ValueExpression = "{channel.startsAt}" }],
        };
        db.Templates.Add(template);
        await db.SaveChangesAsync();
        return template.Id;
    }

    private static async Task<JsonElement> ChannelAsync(HttpClient api, int channelId) =>
        await api.GetFromJsonAsync<JsonElement>($"api/v1/channels/{channelId}");

    private static async Task<int> SentAsync(HttpClient api, int channelId) =>
        (await ChannelAsync(api, channelId)).GetProperty("progress") is { ValueKind: JsonValueKind.Object } progress
            ? progress.GetProperty("sent").GetInt32() : 0;

    private static async Task<string?> StatusAsync(HttpClient api, int channelId) =>
        (await ChannelAsync(api, channelId)).GetProperty("reminder").GetProperty("status").GetString();

    /// <summary>Reads the ledger straight from the database file, with the console dead.</summary>
    private sealed class DeliveryCountReader(DatabaseOptions database)
    {
        public async Task<int> SentAsync()
        {
            await using var db = TestDbContextFactory.For(database).CreateDbContext();
            return db.Deliveries.Count(d => d.Status == PushConsole.Ledger.DeliveryStatus.Sent);
        }
    }
}
