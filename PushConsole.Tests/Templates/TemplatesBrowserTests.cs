using PushConsole.Accounts;
using PushConsole.Persistence;
using PushConsole.Templates;
using PushConsole.Tests.Infrastructure;
using PushConsole.Users;
using static Microsoft.Playwright.Assertions;

namespace PushConsole.Tests.Templates;

[Collection(BrowserCollection.Name)]
public class TemplatesBrowserTests(Infrastructure.Browser browser)
{
    [Fact]
    public async Task An_admin_creates_a_template_seeing_its_fields_parsed_and_the_live_preview_follow_every_keystroke()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        await TemplateTestData.AccountAsync(host, AccountKind.MiniProgram, "wxbrowse01");
        var page = await browser.NewPageAsync(host.BaseAddress);
        await page.SignInAsync(ConsoleHost.AdminEmail, ConsoleHost.AdminPassword);
        await page.GotoAsync("templates");
        await page.WaitForInteractiveAsync();

        await page.ClickAsync("#add-template");
        await page.FillAsync("#template-wechat-id", "sub-browser");
        await page.FillAsync("#template-title", "Meeting reminder");
        await page.FillAsync("#template-content", "会议时间:{{date2.DATA}}\n会议地点:{{thing1.DATA}}\n");

        await Expect(page.Locator(".template-field[data-key=date2]")).ToContainTextAsync("会议时间");
        await Expect(page.Locator(".template-field[data-key=thing1]")).ToContainTextAsync("会议地点");
        await Expect(page.Locator("#preview-title")).ToHaveTextAsync("Meeting reminder");
        var thing = page.Locator(".preview-line[data-key=thing1]");
        await Expect(thing).ToContainTextAsync("argument invalid! data.thing1.value is empty");

        await page.FillAsync("#value-thing1", "{campaign.name} room");
        await Expect(thing.Locator(".preview-value")).ToHaveTextAsync("Spring sale room");
        await page.FillAsync("#sample-campaign", "Board");
        await page.Locator("#sample-campaign").BlurAsync();
        await Expect(thing.Locator(".preview-value")).ToHaveTextAsync("Board room");

        await page.FillAsync("#value-thing1", "{campaign.name} in the big meeting room upstairs");
        await Expect(thing.Locator(".preview-error")).ToContainTextAsync("47003 argument invalid! data.thing1.value invalid");
        await Expect(page.Locator("#preview-verdict")).ToContainTextAsync("WeChat would refuse");

        await page.FillAsync("#value-thing1", "{campaign.name}");
        await page.FillAsync("#value-date2", "{date} {time}");
        await Expect(page.Locator(".preview-line[data-key=date2] .preview-value")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$"));
        await Expect(page.Locator("#preview-verdict")).ToContainTextAsync("WeChat would accept");
        await Expect(page.Locator("#preview-json")).ToContainTextAsync("\"thing1\"");
        await page.ClickAsync("#save-template");

        await Expect(page.Locator("#templates-grid")).ToContainTextAsync("sub-browser");
        await Expect(page.Locator("#templates-grid")).ToContainTextAsync("Meeting reminder");
        var saved = Assert.Single(await host.Services.GetRequiredService<TemplateService>().ListAsync());
        Assert.Equal(["{date} {time}", "{campaign.name}"], saved.Fields.Select(f => f.ValueExpression));
    }

    [Fact]
    public async Task An_unknown_placeholder_shows_in_the_preview_and_blocks_saving()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        await TemplateTestData.AccountAsync(host, AccountKind.OfficialAccount, "wxbrowse02");
        var page = await browser.NewPageAsync(host.BaseAddress);
        await page.SignInAsync(ConsoleHost.AdminEmail, ConsoleHost.AdminPassword);
        await page.GotoAsync("templates");
        await page.WaitForInteractiveAsync();

        await page.ClickAsync("#add-template");
        await page.FillAsync("#template-wechat-id", "oa-browser");
        await page.FillAsync("#template-title", "Shipped");
        await page.FillAsync("#template-content", "订单:{{keyword1.DATA}}");
        await page.FillAsync("#value-keyword1", "Hello {user.nickname}");
        await Expect(page.Locator("#template-preview")).ToContainTextAsync("Unknown placeholder {user.nickname}");
        await page.FillAsync("#value-keyword1", "An order description that is much longer than twenty characters");
        await Expect(page.Locator(".preview-line[data-key=keyword1] .preview-warning")).ToContainTextAsync("truncated to 20 characters");
        await page.FillAsync("#value-keyword1", "{nope}");
        await page.ClickAsync("#save-template");

        await Expect(page.Locator(".template-error").First).ToContainTextAsync("Unknown placeholder {nope}");
        Assert.Empty(await host.Services.GetRequiredService<TemplateService>().ListAsync());
    }

    [Fact]
    public async Task An_editor_does_not_see_templates_in_the_menu_and_is_refused_at_its_address()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        await TestUsers.CreateAsync(host, "editor@test.local", Roles.Editor);
        var page = await browser.NewPageAsync(host.BaseAddress);

        await page.SignInAsync("editor@test.local", TestUsers.Password);

        await Expect(page.Locator(".mud-nav-link-text", new() { HasTextString = "Campaigns" })).ToBeVisibleAsync();
        await Expect(page.Locator(".mud-nav-link-text", new() { HasTextString = "Templates" })).ToHaveCountAsync(0);
        await page.GotoAsync("templates");
        await Expect(page.Locator("#access-denied")).ToBeVisibleAsync();
        await Expect(page.Locator("#templates-grid")).ToHaveCountAsync(0);
        await Expect(page.Locator("#add-template")).ToHaveCountAsync(0);
    }
}
