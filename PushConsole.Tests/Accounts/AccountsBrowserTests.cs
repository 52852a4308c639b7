using PushConsole.Persistence;
using PushConsole.Simulator;
using PushConsole.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace PushConsole.Tests.AccountTests;

[Collection(BrowserCollection.Name)]
public class AccountsBrowserTests(Infrastructure.Browser browser)
{
    [Fact]
    public async Task An_admin_adds_an_account_and_tests_its_connection_against_the_simulator()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        var simulator = host.Services.GetRequiredService<WeChatSimulator>();
        simulator.UpsertApp(new AppSpec { AppId = "wxbrowser00001", Secret = "browser-secret", Kind = "officialaccount" });
        var page = await browser.NewPageAsync(host.BaseAddress);
        await page.SignInAsync(ConsoleHost.AdminEmail, ConsoleHost.AdminPassword);

        await page.GotoAsync("accounts");
        await page.WaitForInteractiveAsync();
        await page.ClickAsync("#add-account");
        await page.FillAsync("#account-name", "Live channel OA");
        await page.FillAsync("#account-appid", "wxbrowser00001");
        await page.FillAsync("#account-secret", "wrong-secret-of-right-length!");
        await page.ClickAsync("#save-account");
        var row = page.Locator("#accounts-grid tr", new() { HasTextString = "wxbrowser00001" });
        await Expect(row).ToContainTextAsync("Live channel OA");

        await row.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Test connection" }).ClickAsync();
        await Expect(row.Locator("[data-connection-answer]")).ToContainTextAsync("WeChat answered 40");

        await row.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Edit" }).ClickAsync();
        await Expect(page.Locator("#account-secret")).ToHaveValueAsync("");
        await page.FillAsync("#account-secret", "browser-secret");
        await page.ClickAsync("#save-account");
        await row.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Test connection" }).ClickAsync();
        await Expect(row.Locator("[data-connection-answer]")).ToContainTextAsync("OK: Stable token");
    }
}
