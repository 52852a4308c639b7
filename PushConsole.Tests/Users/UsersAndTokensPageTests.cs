using System.Reflection;
using Bunit;
using Bunit.Rendering;
using Microsoft.AspNetCore.Authorization;
using PushConsole.ApiTokens;
using PushConsole.Shell;
using PushConsole.Tests.Infrastructure;
using PushConsole.Users;

namespace PushConsole.Tests.UserTests;

/// <summary>The users page (admins only) and the API tokens page (everyone's own tokens) over the real identity store.</summary>
public sealed class UsersAndTokensPageTests(UiHost ui) : ConsoleUiTest(ui), IClassFixture<UiHost>
{
    [Fact]
    public void Only_admins_may_manage_users_and_every_signed_in_user_has_tokens()
    {
        Assert.Equal(Roles.Admin, typeof(UsersPage).GetCustomAttribute<AuthorizeAttribute>()!.Roles);
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
        var userId = await TestUsers.CreateAsync(Host, "tokens@test.local", Roles.Editor);
        SignInAs(Roles.Editor, "tokens@test.local", userId);
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
        Assert.NotNull(Assert.Single(await Service<ApiTokenService>().ListAsync(userId)).RevokedAt);
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
