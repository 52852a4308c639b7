using Microsoft.Playwright;
using PushConsole.Persistence;
using PushConsole.Simulator;
using PushConsole.Templates;
using PushConsole.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace PushConsole.Tests.Browser;

/// <summary>Configuring an account and bringing its templates in, across the pages an admin uses for it.</summary>
[Collection(BrowserCollection.Name)]
public class AccountSetUpBrowserTests(Infrastructure.Browser browser)
{
    [Fact]
    public async Task An_admin_adds_a_mini_program_tests_its_connection_imports_its_templates_and_test_sends_one()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        // The console's own simulator is the WeChat the new account's suggested API address points at.
        var simulator = host.Services.GetRequiredService<WeChatSimulator>();
        simulator.UpsertApp(new AppSpec { AppId = "wxflow000001", Secret = "flow-secret", Kind = "miniprogram" });
        simulator.DefineTemplate("wxflow000001", new TemplateSpec
        {
            TemplateId = "sub-meeting", Title = "会议提醒", Content = "会议时间:{{date2.DATA}}\n会议地点:{{thing1.DATA}}\n",
        });
        simulator.DefineTemplate("wxflow000001", new TemplateSpec
        {
            TemplateId = "legacy-buy", Kind = "legacy", Title = "购买成功通知", Content = "购买地点{{keyword1.DATA}}\n购买时间{{keyword2.DATA}}\n",
        });
        simulator.Grant("wxflow000001", "oFlowUser", "sub-meeting");
        var page = await browser.NewPageAsync(host.BaseAddress);
        await page.SignInAsync(ConsoleHost.AdminEmail, ConsoleHost.AdminPassword);

        // Accounts: add the mini program with a mistyped secret; the connection test says what WeChat's answer means.
        await page.Locator(".mud-nav-link", new() { HasTextString = "Accounts" }).ClickAsync();
        await page.WaitForURLAsync("**/accounts");
        await page.ClickAsync("#add-account");
        await page.FillAsync("#account-name", "Check-in mini program");
        await page.ChooseAsync("#account-kind", "Mini program");
        await page.FillAsync("#account-appid", "wxflow000001");
        await page.FillAsync("#account-secret", "wrong-secret-of-right-length!");
        await page.ClickAsync("#save-account");
        var account = page.Locator("#accounts-grid tr", new() { HasTextString = "wxflow000001" });
        await Expect(account).ToContainTextAsync("Check-in mini program");
        await Expect(account).ToContainTextAsync("Mini program");

        await account.GetByRole(AriaRole.Button, new() { Name = "Test connection" }).ClickAsync();
        var answer = account.Locator("[data-connection-answer]");
        await Expect(answer).ToContainTextAsync("(WeChat answered errcode 40");
        await Expect(answer).ToHaveAttributeAsync("title", new System.Text.RegularExpressions.Regex("WeChat's own message: .+"));

        await account.GetByRole(AriaRole.Button, new() { Name = "Edit" }).ClickAsync();
        await Expect(page.Locator("#account-secret")).ToHaveValueAsync("");
        await page.FillAsync("#account-secret", "flow-secret");
        await page.ClickAsync("#save-account");
        await Expect(page.Locator("#account-form")).ToHaveCountAsync(0);
        await account.GetByRole(AriaRole.Button, new() { Name = "Test connection" }).ClickAsync();
        await Expect(answer).ToContainTextAsync("OK: Stable token");

        // Templates: import the account's templates from WeChat and find them listed.
        await page.Locator(".mud-nav-link", new() { HasTextString = "Templates" }).ClickAsync();
        await page.WaitForURLAsync("**/templates");
        await page.ChooseAsync("#template-account-filter", "Check-in mini program");
        await page.ClickAsync("#import-templates");
        // The snackbars of the accounts page may still show: this is the import's.
        await Expect(page.Locator(".mud-snackbar", new() { HasTextString = "Templates imported" })).ToContainTextAsync("2 new");
        var meeting = page.Locator("#templates-grid tr", new() { HasTextString = "会议提醒" });
        await Expect(meeting).ToContainTextAsync("sub-meeting");
        await Expect(page.Locator("#templates-grid tr", new() { HasTextString = "购买成功通知" })).ToContainTextAsync("legacy-buy");

        // Imported templates have no values yet: give the meeting reminder some in the editor, then test send it.
        await meeting.GetByRole(AriaRole.Button, new() { Name = "Edit" }).ClickAsync();
        await page.FillAsync("#value-thing1", "{campaign.name}");
        await page.FillAsync("#value-date2", "{date}");
        await page.ClickAsync("#save-template");
        await Expect(page.Locator("#save-template")).ToHaveCountAsync(0);

        await meeting.GetByRole(AriaRole.Button, new() { Name = "Test send" }).ClickAsync();
        await page.FillAsync("#test-openid", "oFlowUser");
        await page.ClickAsync("#test-send");
        await Expect(page.Locator("#test-errcode")).ToHaveTextAsync("0");
        await Expect(page.Locator("#test-errmsg")).ToHaveTextAsync("ok");
        Assert.Single(simulator.GetInbox("wxflow000001", "oFlowUser"));

        // The only grant is used now: WeChat refuses, and the page leads with what that means, WeChat's words labelled.
        await page.ClickAsync("#test-send");
        await Expect(page.Locator("#test-errcode")).ToHaveTextAsync("43101");
        await Expect(page.Locator("#test-meaning")).ToHaveTextAsync("User has no subscription grant left for the template");
        await Expect(page.Locator(".wechat-raw")).ToContainTextAsync("WeChat's own message: user refuse to accept the msg");

        var saved = await host.Services.GetRequiredService<TemplateService>().ListAsync();
        Assert.Equal(["legacy-buy", "sub-meeting"], saved.Select(t => t.WeChatTemplateId).Order());
        var values = saved.Single(t => t.WeChatTemplateId == "sub-meeting").Fields.ToDictionary(f => f.Key, f => f.ValueExpression);
        Assert.Equal(("{campaign.name}", "{date}"), (values["thing1"], values["date2"]));
    }
}
