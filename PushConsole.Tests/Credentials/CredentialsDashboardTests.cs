using Microsoft.Playwright;
using PushConsole.Credentials;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace PushConsole.Tests.Credentials;

[Collection(BrowserCollection.Name)]
public class CredentialsDashboardTests(Infrastructure.Browser browser)
{
    [Fact]
    public async Task The_dashboard_shows_the_seeded_inventory_with_charts_and_follows_new_credentials_live()
    {
        var clock = new ManualTimeProvider();
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite,
            new Dictionary<string, string?> { ["Credentials:DashboardRefreshInterval"] = "00:00:00.500" },
            s => s.AddSingleton<TimeProvider>(clock));
        await TestAccounts.CreateMiniProgramAsync(host.Contexts(), "wxaaaaemptydemo01");
        var account = await TestAccounts.CreateMiniProgramAsync(host.Contexts(), "wxdashboarddemo01");
        await InventorySeed.SeedAsync(host.Services, account.Id, clock);
        var page = await browser.NewPageAsync(host.BaseAddress);
        await page.SignInAsync(ConsoleHost.AdminEmail, ConsoleHost.AdminPassword);

        await page.GotoAsync($"credentials?accountId={account.Id}");
        await page.WaitForInteractiveAsync();

        await Expect(page.Locator("#reachable-users")).ToHaveTextAsync("5");
        await Expect(page.Locator("#known-users")).ToHaveTextAsync("6");
        await Expect(page.Locator("#available-formid")).ToHaveTextAsync("20");
        await Expect(page.Locator("#available-prepay")).ToHaveTextAsync("2");
        await Expect(page.Locator("#available-prepay-uses")).ToHaveTextAsync("6");
        await Expect(page.Locator("#available-grant")).ToHaveTextAsync("2");
        await Expect(page.Locator("#expiring-24h")).ToHaveTextAsync("1");
        await Expect(page.Locator("#expiring-48h")).ToHaveTextAsync("2");
        Assert.Equal(["3", "1", "2", "1", "1"], await page.Locator("#distribution td").AllInnerTextsAsync());
        await Expect(page.Locator("#daily-totals")).ToContainTextAsync("Received 28 · expired unused 3");
        await Expect(page.Locator("#top-users tbody tr").First).ToContainTextAsync("lots");
        await Expect(page.Locator("#grants-by-template")).ToContainTextAsync("Shipping notice");
        // Both charts drew their series: a column per distribution bucket, columns for the daily flow.
        await Expect(page.Locator("#distribution-chart svg")).ToBeVisibleAsync();
        Assert.True(await page.Locator("#distribution-chart path.mud-chart-bar").CountAsync() >= 4);
        Assert.True(await page.Locator("#daily-chart path.mud-chart-bar").CountAsync() >= 4);

        // New credentials arrive while the page is open: the figures follow without a reload.
        await host.Services.GetRequiredService<CredentialIntake>().ReportAsync(account.Id, "newcomer",
            [new ReportedCredential("new-1"), new ReportedCredential("new-2"), new ReportedCredential("new-3")]);

        await Expect(page.Locator("#available-formid")).ToHaveTextAsync("23");
        await Expect(page.Locator("#reachable-users")).ToHaveTextAsync("6");
        await Expect(page.Locator("#daily-totals")).ToContainTextAsync("Received 31");
    }

    [Fact]
    public async Task Choosing_another_account_shows_its_own_figures()
    {
        var clock = new ManualTimeProvider();
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite, testServices: s => s.AddSingleton<TimeProvider>(clock));
        var seeded = await TestAccounts.CreateMiniProgramAsync(host.Contexts(), "wxaaaseeded00001");
        var empty = await TestAccounts.CreateMiniProgramAsync(host.Contexts(), "wxbbbempty000001");
        await InventorySeed.SeedAsync(host.Services, seeded.Id, clock);
        var page = await browser.NewPageAsync(host.BaseAddress);
        await page.SignInAsync(ConsoleHost.AdminEmail, ConsoleHost.AdminPassword);
        await page.GotoAsync("credentials");
        await page.WaitForInteractiveAsync();
        await Expect(page.Locator("#available-formid")).ToHaveTextAsync("20");

        await page.ChooseAsync("#account-picker", empty.AppId);

        await Expect(page.Locator("#available-formid")).ToHaveTextAsync("0");
        await Expect(page.Locator("#reachable-users")).ToHaveTextAsync("0");
        Assert.EndsWith($"credentials?accountId={empty.Id}", page.Url);
    }
}
