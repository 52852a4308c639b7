using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PushConsole.Accounts;
using PushConsole.Channels;
using PushConsole.Persistence;
using PushConsole.Templates;
using PushConsole.Tests.Infrastructure;
using PushConsole.Tests.Simulator;
using PushConsole.Users;

namespace PushConsole.Tests.Channels;

/// <summary>Channels in the whole console: the API, the public page, and reminders across a console restart.</summary>
public class ChannelConsoleTests(SimulatorServer sim) : IClassFixture<SimulatorServer>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    [Fact]
    public async Task The_api_sends_a_reminder_now_refuses_pausing_what_is_not_sending_and_exports_the_broadcasts_CSV()
    {
        using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        var (account, template, _) = await AddOfficialAccountAsync(host, followers: 5);
        var channel = await host.Services.GetRequiredService<ChannelService>().CreateAsync(
            ChannelsHarness.Input(account.Id, template.Id, DateTimeOffset.UtcNow.AddHours(3), minutesAhead: 30));
        Assert.True(channel.Succeeded, string.Join(" ", channel.Errors));
        var id = channel.Channel!.Id;
        var editor = await TestUsers.CreateWithTokenAsync(host, "editor@test.local", Roles.Editor);
        using var api = host.CreateHttpClient(editor);

        using var notSending = await api.PostAsync($"api/v1/channels/{id}/reminder/pause", null);
        Assert.Equal(HttpStatusCode.Conflict, notSending.StatusCode);
        Assert.Contains("No reminder broadcast is under way.", await notSending.Content.ReadAsStringAsync());
        using var noCsvYet = await api.GetAsync($"api/v1/channels/{id}/deliveries.csv");
        Assert.Equal(HttpStatusCode.NotFound, noCsvYet.StatusCode);

        using var sent = await api.PostAsync($"api/v1/channels/{id}/reminder/send-now", null);
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        Assert.Equal("Notifying", (await sent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reminder").GetProperty("status").GetString());
        await BroadcastTests.WaitUntilAsync(async () =>
            (await api.GetFromJsonAsync<JsonElement>($"api/v1/channels/{id}")).GetProperty("reminder").GetProperty("status").GetString() == "Notified");

        var csv = await api.GetStringAsync($"api/v1/channels/{id}/deliveries.csv");
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("id,openid,status", lines[0]);
        Assert.Equal(5, lines.Skip(1).Count(l => l.Contains(",Sent,", StringComparison.Ordinal)));
        using var again = await api.PostAsync($"api/v1/channels/{id}/reminder/send-now", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task Editors_create_edit_and_delete_channels_through_the_api_and_the_trigger_follows()
    {
        using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        var (account, template, _) = await AddOfficialAccountAsync(host, followers: 0);
        var miniProgram = await host.Services.GetRequiredService<AccountService>().CreateAsync(new AccountInput
        {
            Name = "Shop", Kind = AccountKind.MiniProgram, AppId = SimulatorServer.NewAppId(), Secret = "s", ApiBaseUrl = sim.BaseAddress.ToString(),
        });
        var editor = await TestUsers.CreateWithTokenAsync(host, "editor@test.local", Roles.Editor);
        using var api = host.CreateHttpClient(editor);
        var schedule = host.Services.GetRequiredService<ReminderSchedule>();
        var start = new DateTimeOffset(DateTime.UtcNow.AddDays(2).Date.AddHours(12), TimeSpan.Zero);
        object Body(DateTimeOffset startsAt, bool reminder = true, int accountId = 0, int minutes = 15) => new
        {
            name = "Launch live", accountId = accountId == 0 ? account.Id : accountId,
            // Wall-clock time in the channel's zone: 20:00 in Shanghai is 12:00 UTC.
            startsAt = ChannelTime.LocalStart(startsAt, "Asia/Shanghai").ToString("yyyy-MM-ddTHH:mm:ss"), timeZone = "Asia/Shanghai",
            templateId = template.Id, fields = new Dictionary<string, string> { ["thing1"] = "{channel.name}", ["time2"] = "{channel.startsAt:HH:mm}" },
            url = "https://live.example.com/1", reminderEnabled = reminder, reminderMinutesAhead = minutes,
        };

        using var created = await api.PostAsJsonAsync("api/v1/channels", Body(start));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var view = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = view.GetProperty("id").GetInt32();
        Assert.Equal(ChannelTime.InZone(start, "Asia/Shanghai"), view.GetProperty("startsAt").GetDateTimeOffset());
        Assert.Equal("+08:00", view.GetProperty("startsAt").GetString()![^6..]);
        Assert.Equal("NotNotified", view.GetProperty("reminder").GetProperty("status").GetString());
        Assert.Equal(start.AddMinutes(-15), (await schedule.FindAsync(id))!.FireAt);

        using var moved = await api.PutAsJsonAsync($"api/v1/channels/{id}", Body(start.AddHours(1), minutes: 60));
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        Assert.Equal(start, (await schedule.FindAsync(id))!.FireAt);

        using var off = await api.PutAsJsonAsync($"api/v1/channels/{id}", Body(start.AddHours(1), reminder: false));
        Assert.Equal(HttpStatusCode.OK, off.StatusCode);
        Assert.Null(await schedule.FindAsync(id));

        using var refused = await api.PostAsJsonAsync("api/v1/channels", Body(start, accountId: miniProgram.Account!.Id));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("is a mini program", await refused.Content.ReadAsStringAsync());

        using var list = await api.GetAsync("api/v1/channels");
        Assert.Single((await list.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray());
        using var deleted = await api.DeleteAsync($"api/v1/channels/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await api.GetAsync($"api/v1/channels/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        using var anonymous = host.CreateHttpClient();
        using var denied = await anonymous.GetAsync("api/v1/channels");
        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
    }

    [Fact]
    public async Task The_public_channel_page_needs_no_sign_in_and_shows_the_start_and_a_qr_code_of_the_follow_link()
    {
        using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        var (account, template, _) = await AddOfficialAccountAsync(host, followers: 0, followUrl: "https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz=MzA5");
        var start = new DateTimeOffset(2031, 5, 1, 12, 0, 0, TimeSpan.Zero);
        var created = await host.Services.GetRequiredService<ChannelService>().CreateAsync(
            ChannelsHarness.Input(account.Id, template.Id, start, name: "Spring launch"));
        using var anonymous = host.CreateHttpClient();

        using var page = await anonymous.GetAsync($"live/{created.Channel!.PublicId}");
        using var console = await anonymous.GetAsync("channels");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync());
        Assert.Contains("Spring launch", html);
        Assert.Contains("2031-05-01 20:00 (Asia/Shanghai)", html);
        Assert.Contains("src=\"data:image/svg+xml;base64,", html);
        Assert.Contains("followers get a reminder 10 minutes before", html);
        Assert.Equal(HttpStatusCode.Redirect, console.StatusCode);
    }

    [Fact]
    public async Task After_downtime_a_reminder_fires_on_recovery_if_the_live_has_not_started_and_is_missed_if_it_has()
    {
        var database = TestDatabases.NewSqlite();
        var settings = new Dictionary<string, string?>();
        var now = DateTimeOffset.UtcNow;
        int late, missed;
        string templateId;
        TestApp app;
        using (var before = new ConsoleHost(database, settings).Start())
        {
            var (account, template, simApp) = await AddOfficialAccountAsync(before, followers: 40);
            (templateId, app) = (template.WeChatTemplateId, simApp);
            var channels = before.Services.GetRequiredService<ChannelService>();
            // Reminder at +10 min, live at +20 min; and reminder at +20 min, live at +40 min.
            missed = (await channels.CreateAsync(ChannelsHarness.Input(account.Id, template.Id, now.AddMinutes(20), minutesAhead: 10, name: "Missed"))).Channel!.Id;
            late = (await channels.CreateAsync(ChannelsHarness.Input(account.Id, template.Id, now.AddMinutes(40), minutesAhead: 20, name: "Late"))).Channel!.Id;
        }

        // The console comes back 25 minutes later: both triggers misfired while it was down.
        using var after = new ConsoleHost(database, settings)
        {
            ConfigureTestServices = s => s.AddSingleton<TimeProvider>(new ShiftedClock(TimeSpan.FromMinutes(25))),
        }.Start();
        var channels2 = after.Services.GetRequiredService<ChannelService>();
        await BroadcastTests.WaitUntilAsync(async () =>
            (await channels2.FindAsync(late))!.ReminderStatus == ReminderStatus.Notified
            && (await channels2.FindAsync(missed))!.ReminderStatus != ReminderStatus.NotNotified);

        var missedChannel = (await channels2.FindAsync(missed))!;
        Assert.Equal(ReminderStatus.Missed, missedChannel.ReminderStatus);
        Assert.Null(missedChannel.CurrentRunId);
        await app.AssertEachGotExactlyOneAsync(templateId, 40);
        var inbox = await app.InboxAsync(await app.OpenIdAsync(3));
        Assert.Equal("Late", inbox.GetProperty("messages")[0].GetProperty("data").GetProperty("thing1").GetString());
    }

    [Fact]
    public async Task The_public_channel_page_answers_only_to_its_random_id_and_404_otherwise()
    {
        using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        var (account, template, _) = await AddOfficialAccountAsync(host, followers: 0);
        var created = await host.Services.GetRequiredService<ChannelService>().CreateAsync(
            ChannelsHarness.Input(account.Id, template.Id, new DateTimeOffset(2031, 5, 1, 12, 0, 0, TimeSpan.Zero), name: "Spring launch"));
        var other = await host.Services.GetRequiredService<ChannelService>().CreateAsync(
            ChannelsHarness.Input(account.Id, template.Id, new DateTimeOffset(2031, 5, 2, 12, 0, 0, TimeSpan.Zero), name: "Second"));
        using var anonymous = host.CreateHttpClient();

        var byPublicId = await anonymous.GetAsync($"live/{created.Channel!.PublicId}");
        var bySequentialId = await anonymous.GetAsync($"live/{created.Channel.Id}");
        var unknown = await anonymous.GetAsync("live/AAAAAAAAAAAAAAAAAAAAAA");

        Assert.Equal(HttpStatusCode.OK, byPublicId.StatusCode);
        Assert.Matches("^[A-Za-z0-9_-]{22}$", created.Channel.PublicId);
        Assert.NotEqual(created.Channel.PublicId, other.Channel!.PublicId);
        Assert.Equal(HttpStatusCode.NotFound, bySequentialId.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    private async Task<(WeChatAccount Account, MessageTemplate Template, TestApp App)> AddOfficialAccountAsync(ConsoleHost host, int followers,
        string? followUrl = null)
    {
        var app = await sim.NewAppAsync("officialaccount", quotas: new Dictionary<string, long?> { ["template_send"] = null, ["user_get"] = null });
        await app.GenerateFollowersAsync(followers);
        var defined = await app.DefineTemplateAsync(new { title = "开播提醒", content = ChannelsHarness.TemplateContent });
        var created = await host.Services.GetRequiredService<AccountService>().CreateAsync(new AccountInput
        {
            Name = "Live " + app.AppId[^4..], Kind = AccountKind.OfficialAccount, AppId = app.AppId, Secret = app.Secret,
            ApiBaseUrl = sim.BaseAddress.ToString(), SendRatePerSecond = 5_000, FollowUrl = followUrl,
        });
        Assert.True(created.Succeeded, string.Join(" ", created.Errors));
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<PushConsoleDbContext>>().CreateDbContextAsync();
        var template = new MessageTemplate
        {
            AccountId = created.Account!.Id, Kind = TemplateKind.OfficialAccountTemplate, WeChatTemplateId = defined.GetProperty("template_id").GetString()!,
            Title = "开播提醒", Content = ChannelsHarness.TemplateContent, Enabled = true,
            Fields = [new TemplateField { Key = "thing1", ValueExpression = "{channel.name}" }, new TemplateField { Key = "time2", ValueExpression = "{channel.startsAt}" }],
        };
        db.Templates.Add(template);
        await db.SaveChangesAsync();
        return (created.Account, template, app);
    }
}
