using Microsoft.Playwright;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;
using PushConsole.Users;
using static Microsoft.Playwright.Assertions;

namespace PushConsole.Tests.Browser;

[Collection(BrowserCollection.Name)]
public class SignInBrowserTests(Infrastructure.Browser browser)
{
    private static readonly string[] EveryMenuItem =
        ["Dashboard", "Credentials", "Campaigns", "Channels", "Templates", "Accounts", "Users", "API tokens"];

    [Fact]
    public async Task The_admin_signs_in_and_sees_every_menu_item()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite, new Dictionary<string, string?> { ["SignIn:MaxFailedAttempts"] = "3" });
        var page = await browser.NewPageAsync(host.BaseAddress);

        await page.SignInAsync(ConsoleHost.AdminEmail, ConsoleHost.AdminPassword);

        await Expect(page.Locator("#current-user")).ToHaveTextAsync(ConsoleHost.AdminEmail);
        foreach (var item in EveryMenuItem)
        {
            await Expect(page.Locator(".mud-nav-link-text", new() { HasTextString = item }).First).ToBeVisibleAsync();
        }
    }

    [Fact]
    public async Task An_editor_does_not_see_accounts_or_users_and_is_refused_when_typing_their_addresses()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        await TestUsers.CreateAsync(host, "editor@test.local", Roles.Editor);
        var page = await browser.NewPageAsync(host.BaseAddress);

        await page.SignInAsync("editor@test.local", TestUsers.Password);

        await Expect(page.Locator(".mud-nav-link-text", new() { HasTextString = "Campaigns" })).ToBeVisibleAsync();
        await Expect(page.Locator(".mud-nav-link-text", new() { HasTextString = "Accounts" })).ToHaveCountAsync(0);
        await Expect(page.Locator(".mud-nav-link-text", new() { HasTextString = "Users" })).ToHaveCountAsync(0);
        foreach (var address in new[] { "accounts", "users" })
        {
            await page.GotoAsync(address);
            await Expect(page.Locator("#access-denied")).ToBeVisibleAsync();
            await Expect(page.Locator("#users-grid")).ToHaveCountAsync(0);
        }
    }

    [Fact]
    public async Task A_wrong_password_shows_an_error_and_repeated_failures_lock_the_account()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite, new Dictionary<string, string?> { ["SignIn:MaxFailedAttempts"] = "3" });
        await TestUsers.CreateAsync(host, "victim@test.local", Roles.Editor);
        var page = await browser.NewPageAsync(host.BaseAddress);

        for (var attempt = 1; attempt <= 2; attempt++)
        {
            await TryPasswordAsync(page, "victim@test.local", "wrong-password");
            await Expect(page.Locator("#login-error")).ToContainTextAsync("Wrong email or password");
        }
        await TryPasswordAsync(page, "victim@test.local", "wrong-password");
        await Expect(page.Locator("#login-error")).ToContainTextAsync("locked");

        // Locked means locked: even the right password is refused now.
        await TryPasswordAsync(page, "victim@test.local", TestUsers.Password);
        await Expect(page.Locator("#login-error")).ToContainTextAsync("locked");
    }

    [Fact]
    public async Task An_admin_unlocks_a_locked_user_from_the_users_page()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite, new Dictionary<string, string?> { ["SignIn:MaxFailedAttempts"] = "1" });
        await TestUsers.CreateAsync(host, "victim@test.local", Roles.Editor);
        var page = await browser.NewPageAsync(host.BaseAddress);
        await TryPasswordAsync(page, "victim@test.local", "wrong-password");
        await Expect(page.Locator("#login-error")).ToContainTextAsync("locked");

        await page.SignInAsync(ConsoleHost.AdminEmail, ConsoleHost.AdminPassword);
        await page.GotoAsync("users");
        await page.WaitForInteractiveAsync();
        var row = page.Locator("#users-grid tr", new() { HasTextString = "victim@test.local" });
        await Expect(row).ToContainTextAsync("Locked");
        await row.GetByRole(AriaRole.Button, new() { Name = "Unlock" }).ClickAsync();
        await Expect(row).ToContainTextAsync("Active");

        var other = await browser.NewPageAsync(host.BaseAddress);
        await other.SignInAsync("victim@test.local", TestUsers.Password);
        await Expect(other.Locator("#current-user")).ToHaveTextAsync("victim@test.local");
    }

    [Fact]
    public async Task The_language_follows_the_browser_until_the_user_picks_one_in_the_app_bar_and_the_choice_is_remembered()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        var page = await browser.NewPageAsync(host.BaseAddress, "zh-CN");

        // A Chinese browser gets the sign-in page in Chinese before anyone picks a language.
        await page.GotoAsync("account/login");
        await Expect(page.Locator("#sign-in")).ToHaveTextAsync("登录");
        await page.SignInAsync(ConsoleHost.AdminEmail, ConsoleHost.AdminPassword);
        await Expect(page.Locator(".mud-nav-link-text", new() { HasTextString = "推送活动" })).ToBeVisibleAsync();

        // Picked in the app bar, English stays on the page it was picked on and on every page after it.
        await page.GotoAsync("campaigns");
        await page.WaitForInteractiveAsync();
        await page.ClickAsync("#language-switch");
        await page.ClickAsync("#language-en");
        await Expect(page.Locator(".mud-nav-link-text", new() { HasTextString = "Campaigns" })).ToBeVisibleAsync();
        Assert.EndsWith("/campaigns", page.Url);
        await page.GotoAsync("outcomes");
        await Expect(page.Locator(".mud-nav-link-text", new() { HasTextString = "Outcomes" })).ToBeVisibleAsync();
        Assert.Contains(await page.Context.CookiesAsync(), c => c.Name == ".AspNetCore.Culture" && c.Value.Contains("en"));
    }

    private static async Task TryPasswordAsync(IPage page, string email, string password)
    {
        await page.GotoAsync("account/login");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("#sign-in");
        await page.WaitForURLAsync(url => url.Contains("account/login"));
    }
}
