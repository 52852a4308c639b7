using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using Bunit;
using Bunit.Rendering;
using Microsoft.AspNetCore.Authorization;
using PushConsole.ApiTokens;
using PushConsole.Shell;
using PushConsole.Tests.Infrastructure;
using PushConsole.Users;
using MudBlazor;

namespace PushConsole.Tests.UserTests;

/// <summary>The users page (admins only) and the API tokens page (everyone's own tokens) over the real identity store.</summary>
public sealed class UsersAndTokensPageTests(UiHost ui) : ConsoleUiTest(ui), IClassFixture<UiHost>
{
    [Fact]
    public void Only_admins_may_manage_users_and_every_signed_in_user_has_tokens()
    {
        AssertOnlyAdmins<UsersPage>();
        Assert.Null(typeof(ApiTokensPage).GetCustomAttribute<AuthorizeAttribute>()!.Roles);
    }

    [Fact]
    public void A_new_user_needs_an_email_and_a_password_and_is_told_which_is_missing()
    {
        var cut = RenderWithProviders<UsersPage>();
        cut.WaitForElement("#add-user").Click();

        cut.WaitForAssertion(() =>
        {
            Assert.Contains("Email is required.", ValidationMessages(cut));
            Assert.Contains("Password is required.", ValidationMessages(cut));
        });

        cut.Find("#new-email").Input("not-an-email");
        cut.WaitForAssertion(() => Assert.Contains("Enter an email address such as name@example.com.", ValidationMessages(cut)));
    }

    [Fact]
    public async Task An_added_editor_is_listed_and_a_password_the_rules_refuse_is_explained()
    {
        var cut = RenderWithProviders<UsersPage>();
        cut.Find("#new-email").Input("weak@test.local");
        cut.Find("#new-password").Input("short");
        cut.Find("#add-user").Click();
        cut.WaitForAssertion(() => Assert.Contains("Passwords must be at least 8 characters", cut.Find("#add-user-error").TextContent));

        cut.Find("#new-password").Input("Good-Pa55word");
        cut.Find("#add-user").Click();

        cut.WaitForAssertion(() => Assert.Contains("weak@test.local", cut.Find("#users-grid").TextContent));
        var row = (await Service<UserAdministration>().ListAsync()).Single(u => u.Email == "weak@test.local");
        Assert.Equal(Roles.Editor, row.Role);
    }

    [Fact]
    public async Task Locking_a_user_says_what_stops_and_only_locks_once_confirmed()
    {
        var userId = await TestUsers.CreateAsync(Host, "lockme@test.local", Roles.Editor);
        var cut = RenderWithProviders<UsersPage>();
        cut.WaitForAssertion(() => Assert.Contains("lockme@test.local", cut.Find("#users-grid").TextContent));

        ClickInRow(cut, "#users-grid", "lockme@test.local", "Lock");
        cut.WaitForAssertion(() => Assert.Contains("their API tokens are refused", cut.Find(".mud-dialog").TextContent));
        ClickButton(cut, "Keep it");
        Assert.False((await Service<UserAdministration>().ListAsync()).Single(u => u.Id == userId).LockedOut);

        ClickInRow(cut, "#users-grid", "lockme@test.local", "Lock");
        cut.WaitForElement(".mud-dialog");
        ClickButton(cut, "Lock");
        cut.WaitForAssertion(() => Assert.True(Service<UserAdministration>().ListAsync().Result.Single(u => u.Id == userId).LockedOut));
    }

    [Fact]
    public async Task Deleting_a_user_names_them_before_it_happens_and_their_API_tokens_stop_working()
    {
        var token = await TestUsers.CreateWithTokenAsync(Host, "leaver@test.local", Roles.Editor);
        using var api = Host.CreateHttpClient(token);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("api/v1/accounts")).StatusCode);
        var cut = RenderWithProviders<UsersPage>();
        cut.WaitForAssertion(() => Assert.Contains("leaver@test.local", cut.Find("#users-grid").TextContent));

        ClickInRow(cut, "#users-grid", "leaver@test.local", "Delete");
        cut.WaitForAssertion(() => Assert.Contains("leaver@test.local is signed out and can never sign in again", cut.Find(".mud-dialog").TextContent));
        ClickButton(cut, "Keep it");
        Assert.Contains(await Service<UserAdministration>().ListAsync(), u => u.Email == "leaver@test.local");

        ClickInRow(cut, "#users-grid", "leaver@test.local", "Delete");
        cut.WaitForElement(".mud-dialog");
        ClickButton(cut, "Delete");

        cut.WaitForAssertion(() => Assert.Contains("leaver@test.local deleted.", cut.Markup));
        cut.WaitForAssertion(() => Assert.DoesNotContain("leaver@test.local", cut.Find("#users-grid").TextContent));
        Assert.DoesNotContain(await Service<UserAdministration>().ListAsync(), u => u.Email == "leaver@test.local");
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("api/v1/accounts")).StatusCode);
    }

    [Fact]
    public async Task The_last_active_admin_cannot_be_deleted_and_the_page_says_why()
    {
        var cut = RenderWithProviders<UsersPage>();
        cut.WaitForAssertion(() => Assert.Contains(ConsoleHost.AdminEmail, cut.Find("#users-grid").TextContent));

        ClickInRow(cut, "#users-grid", ConsoleHost.AdminEmail, "Delete");
        cut.WaitForElement(".mud-dialog");
        ClickButton(cut, "Delete");

        cut.WaitForAssertion(() => Assert.Contains("The last active admin cannot be deleted: make another user admin first.", cut.Markup));
        Assert.Contains(await Service<UserAdministration>().ListAsync(), u => u.Email == ConsoleHost.AdminEmail && u.Role == Roles.Admin);
    }

    [Fact]
    public async Task The_API_deletes_a_user_but_never_the_last_active_admin()
    {
        var leaver = await TestUsers.CreateAsync(Host, "api-leaver@test.local", Roles.Editor);
        var adminId = (await Service<UserAdministration>().ListAsync()).Single(u => u.Email == ConsoleHost.AdminEmail).Id;
        using var api = Host.CreateHttpClient(ConsoleHost.AdminApiToken);

        var lastAdmin = await api.DeleteAsync($"api/v1/users/{adminId}");
        var unknown = await api.DeleteAsync("api/v1/users/no-such-id");
        var deleted = await api.DeleteAsync($"api/v1/users/{leaver}");

        Assert.Equal(HttpStatusCode.Conflict, lastAdmin.StatusCode);
        Assert.Contains("last active admin cannot be deleted", await lastAdmin.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.DoesNotContain(await Service<UserAdministration>().ListAsync(), u => u.Id == leaver);
    }

    [Fact]
    public async Task In_Chinese_the_refusals_of_the_services_are_Chinese_on_the_page_and_in_the_API()
    {
        UseCulture(ConsoleCultures.Chinese);
        var cut = RenderWithProviders<UsersPage>();
        cut.Find("#new-email").Input("zh-weak@test.local");
        cut.Find("#new-password").Input("short");
        cut.Find("#add-user").Click();
        cut.WaitForAssertion(() => Assert.Contains("密码至少需要 8 个字符。", cut.Find("#add-user-error").TextContent));

        cut.WaitForAssertion(() => Assert.Contains(ConsoleHost.AdminEmail, cut.Find("#users-grid").TextContent));
        ClickInRow(cut, "#users-grid", ConsoleHost.AdminEmail, "删除");
        cut.WaitForElement(".mud-dialog");
        ClickButton(cut, "删除");
        cut.WaitForAssertion(() => Assert.Contains("最后一个有效管理员不能被删除", cut.Markup));

        using var api = Host.CreateHttpClient(ConsoleHost.AdminApiToken);
        api.DefaultRequestHeaders.AcceptLanguage.ParseAdd("zh-CN");
        var refused = await api.PostAsJsonAsync("api/v1/users", new { email = "zh-api@test.local", password = "short", role = "Editor" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Contains("密码至少需要 8 个字符", problem.GetProperty("detail").GetString());
        Assert.Empty(Texts.Missing);
    }

    [Fact]
    public async Task Resetting_a_password_asks_for_the_new_one_in_a_dialog()
    {
        var userId = await TestUsers.CreateAsync(Host, "reset@test.local", Roles.Editor);
        var cut = RenderWithProviders<UsersPage>();
        cut.WaitForAssertion(() => Assert.Contains("reset@test.local", cut.Find("#users-grid").TextContent));

        ClickInRow(cut, "#users-grid", "reset@test.local", "Reset password");
        cut.WaitForElement("#confirm-reset").Click();
        cut.WaitForAssertion(() => Assert.Contains("New password is required.", ValidationMessages(cut)));
        cut.Find("#reset-password").Input("Another-Pa55word");
        cut.Find("#confirm-reset").Click();

        cut.WaitForAssertion(() => Assert.Contains("Password of reset@test.local reset.", cut.Markup));
        Assert.NotNull(userId);
    }

    [Fact]
    public async Task A_token_is_shown_once_listed_with_its_zone_and_revoked_only_after_confirming()
    {
        var userId = await SignInAsNewUserAsync("tokens@test.local", Roles.Editor);
        var cut = RenderWithProviders<ApiTokensPage>();

        cut.Find("#create-token").Click();
        cut.WaitForAssertion(() => Assert.Contains("Token name is required.", ValidationMessages(cut)));
        cut.Find("#token-name").Input("deploy script");
        cut.Find("#create-token").Click();

        cut.WaitForAssertion(() => Assert.StartsWith("pct_", cut.Find("#new-token").TextContent));
        cut.WaitForAssertion(() => Assert.Contains("(UTC)", cut.Find("#tokens-grid").TextContent));
        cut.Find("button.revoke-token").Click();
        cut.WaitForAssertion(() => Assert.Contains("deploy script is refused from now on", cut.Find(".mud-dialog").TextContent));
        ClickButton(cut, "Revoke");

        cut.WaitForAssertion(() => Assert.Contains("Revoked", cut.Find("#tokens-grid").TextContent));
        Assert.NotNull(Assert.Single((await Service<ApiTokenService>().PageAsync(userId, null, null, false, 0, 500)).Tokens).RevokedAt);
    }

    [Fact]
    public async Task Tokens_are_searched_by_name_in_the_database_page_by_page_and_a_search_without_match_says_so()
    {
        var userId = await SignInAsNewUserAsync("token-search@test.local", Roles.Editor);
        var tokens = Service<ApiTokenService>();
        for (var i = 1; i <= 23; i++)
        {
            await tokens.CreateAsync(userId, i % 8 == 0 ? $"CI deploy {i}" : $"laptop {i}");
        }
        var other = await TestUsers.CreateAsync(Host, "token-search-other@test.local", Roles.Editor);
        await tokens.CreateAsync(other, "ci deploy of someone else");

        var page = await tokens.PageAsync(userId, "ci DEPLOY", "Name", descending: true, skip: 1, take: 1);
        Assert.Equal(2, page.Total);
        Assert.Equal("CI deploy 16", Assert.Single(page.Tokens).Name);

        var cut = RenderWithProviders<ApiTokensPage>();
        cut.WaitForAssertion(() => Assert.Equal(20, cut.FindAll("#tokens-grid tbody tr").Count));
        Assert.Contains("23", cut.Find(".mud-table-pagination").TextContent);

        cut.Find("#tokens-search").Input("ci deploy");

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("#tokens-grid tbody tr").Count));
        Assert.Contains("CI deploy 8", cut.Find("#tokens-grid").TextContent);
        Assert.Contains("CI deploy 16", cut.Find("#tokens-grid").TextContent);
        Assert.DoesNotContain("someone else", cut.Find("#tokens-grid").TextContent);
        cut.Find("#tokens-search").Input("no token is called this");
        cut.WaitForElement("#tokens-no-match");
        Assert.Equal("Nothing matches the search.", cut.Find("#tokens-no-match").TextContent.Trim());
        Assert.Empty(cut.FindAll("#no-tokens"));
    }

    [Fact]
    public async Task A_users_own_zone_is_refused_when_unknown_and_cleared_with_nothing()
    {
        var userId = await TestUsers.CreateAsync(Host, "zone-rules@test.local", Roles.Editor);
        var users = Service<UserAdministration>();

        var unknown = await users.SetTimeZoneAsync(userId, "Mars/Olympus");
        Assert.False(unknown.Succeeded);
        Assert.Equal("Unknown time zone 'Mars/Olympus'.", unknown.Error);
        Assert.True((await users.SetTimeZoneAsync(userId, " Asia/Shanghai ")).Succeeded);
        Assert.Equal("Asia/Shanghai", await users.TimeZoneOfAsync(userId));
        Assert.True((await users.SetTimeZoneAsync(userId, "  ")).Succeeded);
        Assert.Null(await users.TimeZoneOfAsync(userId));
        Assert.True((await users.SetTimeZoneAsync("no-such-user", "UTC")).NotFound);
    }

    [Fact]
    public async Task A_user_picks_their_zone_in_the_dialog_and_reads_their_tokens_and_the_audit_log_in_it()
    {
        // An editor: a second admin in the shared console would let the last-admin test delete the first.
        var userId = await SignInAsNewUserAsync("zone@test.local", Roles.Editor);
        await Service<ApiTokenService>().CreateAsync(userId, "nightly export");
        var cut = RenderWithProviders<UserMenu>();
        var dialogs = Services.GetRequiredService<IDialogService>();

        await cut.InvokeAsync(() => dialogs.ShowAsync<UserTimeZoneDialog>("My time zone"));
        cut.WaitForElement("#user-zone").Input("Mars/Olympus");
        cut.Find("#save-user-zone").Click();
        cut.WaitForAssertion(() => Assert.Contains("Unknown time zone 'Mars/Olympus'.", ValidationMessages(cut)));
        Assert.Null(await Service<UserAdministration>().TimeZoneOfAsync(userId));
        cut.Find("#user-zone").Input("Asia/Shanghai");
        cut.Find("#save-user-zone").Click();
        cut.WaitForAssertion(() => Assert.Contains("Times are now shown in Asia/Shanghai.", cut.Markup));
        Assert.Equal("Asia/Shanghai", await Service<UserAdministration>().TimeZoneOfAsync(userId));

        var tokens = RenderWithProviders<ApiTokensPage>();
        tokens.WaitForAssertion(() => Assert.Contains("(Asia/Shanghai)", tokens.Find("#tokens-grid").TextContent));
        var audit = RenderWithProviders<PushConsole.Audit.AuditPage>();
        audit.WaitForAssertion(() => Assert.Contains("(Asia/Shanghai)", audit.Find("#audit-grid tbody tr").TextContent));
        Assert.DoesNotContain("(UTC)", audit.Find("#audit-grid").TextContent);
    }

    [Fact]
    public async Task A_user_without_a_zone_of_their_own_reads_their_tokens_and_the_audit_log_in_the_browsers_zone_from_the_first_render()
    {
        var userId = await SignInAsNewUserAsync("browser-zone@test.local", Roles.Editor);
        await Service<ApiTokenService>().CreateAsync(userId, "browser zone token");
        JSInterop.SetupModule("./js/browser-zone.js").Setup<string?>("browserZone").SetResult("America/New_York");

        var tokens = RenderWithProviders<ApiTokensPage>();
        tokens.WaitForAssertion(() => Assert.Contains("(America/New_York)", tokens.Find("#tokens-grid").TextContent));
        Assert.DoesNotContain("(UTC)", tokens.Find("#tokens-grid").TextContent);
        var audit = RenderWithProviders<PushConsole.Audit.AuditPage>();
        audit.WaitForAssertion(() => Assert.Contains("(America/New_York)", audit.Find("#audit-grid tbody tr").TextContent));
    }

    [Fact]
    public async Task A_browser_zone_this_server_does_not_know_leaves_user_level_times_in_UTC_saying_so()
    {
        var userId = await SignInAsNewUserAsync("odd-browser@test.local", Roles.Editor);
        await Service<ApiTokenService>().CreateAsync(userId, "odd zone token");
        JSInterop.SetupModule("./js/browser-zone.js").Setup<string?>("browserZone").SetResult("Mars/Olympus");

        var tokens = RenderWithProviders<ApiTokensPage>();
        tokens.WaitForAssertion(() => Assert.Contains("(UTC)", tokens.Find("#tokens-grid").TextContent));
    }

    [Fact]
    public void Both_pages_render_in_Chinese_without_a_missing_text()
    {
        UseCulture(ConsoleCultures.Chinese);

        Assert.Contains("添加用户", RenderWithProviders<UsersPage>().Markup);
        Assert.Contains("创建令牌", RenderWithProviders<ApiTokensPage>().Markup);
        Assert.Empty(Texts.Missing);
    }
}
