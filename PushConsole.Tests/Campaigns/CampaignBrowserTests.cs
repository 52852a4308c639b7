using Microsoft.Playwright;
using PushConsole.Accounts;
using PushConsole.Tests.Infrastructure;
using PushConsole.Users;
using static Microsoft.Playwright.Assertions;
using TemplateKind = PushConsole.Templates.TemplateKind;

namespace PushConsole.Tests.Campaigns;

[Collection(BrowserCollection.Name)]
public class CampaignBrowserTests(Infrastructure.Browser browser)
{
    [Fact]
    public async Task An_editor_creates_a_campaign_watches_its_progress_bar_reach_the_end_and_opens_its_outcomes()
    {
        await using var world = await ConsoleWorld.StartAsync();
        // A modest rate so the progress bar is seen moving, not only finished.
        var (account, users, page) = await SignedInEditorAsync(world, ratePerSecond: 40, users: 60);
        await page.GotoAsync("campaigns");
        await page.WaitForInteractiveAsync();

        await page.ClickAsync("#new-campaign");
        await page.WaitForInteractiveAsync();
        await page.FillAsync("#campaign-name", "Evening reminder");
        await page.ClickAsync("#dry-run");
        await Expect(page.Locator("#dry-run-result .dry-audience")).ToHaveTextAsync("60");
        await Expect(page.Locator("#dry-run-result .dry-expected")).ToHaveTextAsync("60");
        await page.ClickAsync("#save-campaign");

        await Expect(page.Locator("#campaign-title")).ToHaveTextAsync("Evening reminder");
        var progress = page.Locator(".run-progress").First;
        await Expect(progress).ToBeVisibleAsync();
        await Expect(progress).ToHaveAttributeAsync("data-status", "Completed", new() { Timeout = 30_000 });
        await Expect(progress).ToHaveAttributeAsync("data-done", "60");
        await Expect(progress).ToHaveAttributeAsync("data-total", "60");
        await Expect(progress.Locator(".count-sent")).ToHaveTextAsync("60");
        Assert.All(users.Keys, u => Assert.Single(world.Sim.GetInbox(account.AppId, u)));

        await page.Locator(".run-outcomes-link").First.ClickAsync();
        await Expect(page.Locator("#run-title")).ToContainTextAsync("Evening reminder");
        await Expect(page.Locator("#deliveries-grid")).ToContainTextAsync(users.Keys.Order(StringComparer.Ordinal).First());
        await Expect(page.Locator("#deliveries-grid")).ToContainTextAsync("of 60");
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#export-link"));
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.Equal(61, csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task An_editor_pauses_a_running_campaign_from_its_progress_bar_and_resumes_it_to_the_end()
    {
        await using var world = await ConsoleWorld.StartAsync();
        // Two sends a second: the run lasts long enough to be paused midway by a person.
        var (account, users, page) = await SignedInEditorAsync(world, ratePerSecond: 2, users: 30);
        await page.GotoAsync("campaigns/new");
        await page.WaitForInteractiveAsync();
        await page.FillAsync("#campaign-name", "Paused midway");
        await page.ClickAsync("#save-campaign");

        var progress = page.Locator(".run-progress").First;
        await Expect(progress).ToHaveAttributeAsync("data-status", "Running");
        await progress.Locator("[id^=pause-run-]").ClickAsync();
        await Expect(progress).ToHaveAttributeAsync("data-status", "Paused");
        await Expect(progress.Locator(".run-status")).ToHaveTextAsync("Paused");
        var doneWhenPaused = int.Parse((await progress.GetAttributeAsync("data-done"))!);
        Assert.True(doneWhenPaused < 30, $"the run had finished ({doneWhenPaused} of 30) before it was paused");

        await progress.Locator("[id^=resume-run-]").ClickAsync();
        await Expect(progress).ToHaveAttributeAsync("data-status", "Completed", new() { Timeout = 60_000 });
        await Expect(progress).ToHaveAttributeAsync("data-done", "30");
        Assert.All(users.Keys, u => Assert.Single(world.Sim.GetInbox(account.AppId, u)));
    }

    [Fact]
    public async Task A_campaign_to_an_uploaded_list_shows_its_dry_run_and_its_failures_on_the_outcomes_and_dashboard_pages()
    {
        await using var world = await ConsoleWorld.StartAsync();
        var account = await world.AccountAsync(AccountKind.OfficialAccount);
        await world.TemplateAsync(account, TemplateKind.OfficialAccountTemplate);
        world.Sim.AddFollowers(account.AppId, ["oFollower_1", "oFollower_2", "oStranger_3"]);
        world.Sim.RemoveFollower(account.AppId, "oStranger_3"); // followed, then left: 43004
        var page = await browser.NewPageAsync(world.Host.BaseAddress);
        await page.SignInAsync(ConsoleHost.AdminEmail, ConsoleHost.AdminPassword);
        await page.GotoAsync("campaigns/new");
        await page.WaitForInteractiveAsync();

        await page.FillAsync("#campaign-name", "Followers only");
        await page.GetByText("Uploaded list of openids (CSV)").ClickAsync();
        await page.Locator("#campaign-csv").SetInputFilesAsync(new FilePayload
        {
            Name = "audience.csv", MimeType = "text/csv", Buffer = "openid\noFollower_1\noFollower_2\noStranger_3\n"u8.ToArray(),
        });
        await Expect(page.Locator("#campaign-csv-count")).ToHaveTextAsync("3 openids read");
        await page.ClickAsync("#dry-run");
        await Expect(page.Locator("#dry-run-result .dry-audience")).ToHaveTextAsync("3");
        await Expect(page.Locator("#dry-run-result")).ToContainTextAsync("43004");
        await page.ClickAsync("#save-campaign");
        await Expect(page.Locator(".run-progress").First).ToHaveAttributeAsync("data-status", "Completed", new() { Timeout = 30_000 });
        await Expect(page.Locator(".run-progress .count-failed").First).ToHaveTextAsync("1");

        await page.GotoAsync("outcomes");
        await page.WaitForInteractiveAsync();
        await Expect(page.Locator("#top-errors")).ToContainTextAsync("43004");
        await Expect(page.Locator("#top-errors")).ToContainTextAsync("does not follow");
        await Expect(page.Locator("#daily-chart")).ToBeVisibleAsync();
        await page.Locator(".run-link").First.ClickAsync();
        await page.WaitForInteractiveAsync();
        await page.ChooseAsync("#filter-status", "Failed");
        await Expect(page.Locator("#deliveries-grid")).ToContainTextAsync("oStranger_3");
        await Expect(page.Locator("#deliveries-grid")).Not.ToContainTextAsync("oFollower_1");

        await page.GotoAsync("");
        await Expect(page.Locator("#today-sent")).ToHaveTextAsync("2");
        await Expect(page.Locator("#today-failed")).ToHaveTextAsync("1");
        await Expect(page.Locator("#outcomes-summary")).ToContainTextAsync("Followers only");
    }

    /// <summary>An account at the given rate with a template and users holding one formId each, and an editor signed in.</summary>
    private async Task<(WeChatAccount Account, Dictionary<string, string[]> Users, IPage Page)> SignedInEditorAsync(
        ConsoleWorld world, int ratePerSecond, int users)
    {
        var account = await world.AccountAsync(ratePerSecond: ratePerSecond);
        await world.TemplateAsync(account);
        var withFormIds = await world.UsersWithFormIdsAsync(account, users);
        await TestUsers.CreateAsync(world.Host, "editor@test.local", Roles.Editor);
        var page = await browser.NewPageAsync(world.Host.BaseAddress);
        await page.SignInAsync("editor@test.local", TestUsers.Password);
        return (account, withFormIds, page);
    }
}
