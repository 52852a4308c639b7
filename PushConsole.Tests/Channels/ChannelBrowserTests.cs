using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using PushConsole.Accounts;
using PushConsole.Persistence;
using PushConsole.Templates;
using PushConsole.Tests.Infrastructure;
using PushConsole.Tests.Simulator;
using PushConsole.Users;
using static Microsoft.Playwright.Assertions;

namespace PushConsole.Tests.Channels;

[Collection(BrowserCollection.Name)]
public class ChannelBrowserTests(Infrastructure.Browser browser, SimulatorServer sim) : IClassFixture<SimulatorServer>
{
    [Fact]
    public async Task An_editor_creates_a_channel_turns_the_reminder_on_sees_the_countdown_and_then_the_progress_bar_finish()
    {
        using var host = new ConsoleHost(TestDatabases.NewSqlite(), new Dictionary<string, string?>()).Start();
        var app = await sim.NewAppAsync("officialaccount", quotas: new Dictionary<string, long?> { ["template_send"] = null, ["user_get"] = null });
        await app.GenerateFollowersAsync(300);
        var weChatTemplateId = (await app.DefineTemplateAsync(new { title = "开播提醒", content = ChannelsHarness.TemplateContent }))
            .GetProperty("template_id").GetString()!;
        var account = await host.Services.GetRequiredService<AccountService>().CreateAsync(new AccountInput
        {
            Name = "Live account", Kind = AccountKind.OfficialAccount, AppId = app.AppId, Secret = app.Secret,
            ApiBaseUrl = sim.BaseAddress.ToString(), SendRatePerSecond = 5_000, TimeZone = "UTC",
        });
        await using (var db = await host.Services.GetRequiredService<IDbContextFactory<PushConsoleDbContext>>().CreateDbContextAsync())
        {
            db.Templates.Add(new MessageTemplate
            {
                AccountId = account.Account!.Id, Kind = TemplateKind.OfficialAccountTemplate, WeChatTemplateId = weChatTemplateId,
                Title = "开播提醒", Content = ChannelsHarness.TemplateContent, Enabled = true,
                Fields = [new TemplateField { Key = "thing1", Label = "直播", ValueExpression = "{channel.name}" },
                    new TemplateField { Key = "time2", Label = "开播时间", ValueExpression = "{channel.startsAt}" }],
            });
            await db.SaveChangesAsync();
        }
        await TestUsers.CreateAsync(host, "editor@test.local", Roles.Editor);
        var page = await browser.NewPageAsync(host.BaseAddress);
        await page.SignInAsync("editor@test.local", TestUsers.Password);

        await page.GotoAsync("channels");
        await page.WaitForInteractiveAsync();
        await page.ClickAsync("#add-channel");
        await page.FillAsync("#channel-name", "Launch live");
        // The only official account and its only template are chosen already; the start is in the account's zone (UTC).
        await Expect(page.Locator("#channel-timezone")).ToHaveValueAsync("UTC");
        var start = DateTime.UtcNow.AddSeconds(85);
        // Chromium shows (and Playwright checks) a datetime-local value without ":00" seconds.
        await page.FillAsync("#channel-start", start.ToString(start.Second == 0 ? "yyyy-MM-ddTHH:mm" : "yyyy-MM-ddTHH:mm:ss"));
        await page.Locator("input#channel-minutes, #channel-minutes input").FillAsync("1");
        // The switch is disabled until the account's templates have loaded (the gate): wait for that, then turn it on once.
        var reminder = page.Locator("#channel-reminder");
        await Expect(reminder).ToBeEnabledAsync();
        await reminder.CheckAsync();
        await Expect(reminder).ToBeCheckedAsync();
        await page.ClickAsync("#save-channel");

        var countdown = page.Locator(".reminder-countdown").First;
        await Expect(countdown).ToHaveTextAsync(new Regex(@"^reminder in 00:00:[0-2]\d$"));
        await Expect(page.Locator(".reminder-status").First).ToHaveTextAsync("Waiting");
        var figures = page.Locator(".broadcast-figures").First;
        await Expect(figures).ToHaveTextAsync("300 sent · 0 failed · 300 total", new() { Timeout = 60_000 });
        await Expect(page.Locator(".reminder-status").First).ToHaveTextAsync("Notified");
        await Expect(page.Locator(".broadcast-bar [aria-valuenow]").First).ToHaveAttributeAsync("aria-valuenow", "100");
        await Expect(countdown).ToHaveTextAsync("");
        await app.AssertEachGotExactlyOneAsync(weChatTemplateId, 300);
    }
}
