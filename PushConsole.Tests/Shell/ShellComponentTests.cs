using PushConsole.Tests.Infrastructure;
using Bunit;
using Bunit.Rendering;
using Microsoft.AspNetCore.Components;
using PushConsole.Shell;
using PushConsole.SignIn;
using PushConsole.Users;

namespace PushConsole.Tests.ShellTests;

/// <summary>The layout, menu, sign-in and error pages, in both languages and for both roles.</summary>
public sealed class ShellComponentTests(UiHost ui) : ConsoleUiTest(ui), IClassFixture<UiHost>
{
    private IRenderedComponent<MainLayout> RenderLayout() =>
        Render<MainLayout>(p => p.Add(l => l.Body, (RenderFragment)(b => b.AddContent(0, "page body"))));

    [Fact]
    public void An_admin_sees_every_menu_item_and_their_role()
    {
        var cut = RenderLayout();

        var items = cut.FindAll(".mud-nav-link-text").Select(e => e.TextContent.Trim()).ToList();
        Assert.Equal(["Dashboard", "Credentials", "Campaigns", "Outcomes", "User lookup", "Channels", "Messages", "Templates", "Accounts", "Users", "Audit log",
            "API tokens", "API reference"], items);
        Assert.Equal("admin@test.local", cut.Find("#current-user").TextContent);
        Assert.Equal("Admin", cut.Find("#current-role").TextContent.Trim());
        Assert.Contains("page body", cut.Markup);
        Assert.Empty(Texts.Missing);
    }

    [Fact]
    public void An_editor_sees_no_admin_pages_in_the_menu()
    {
        SignInAs(Roles.Editor, "editor@test.local");

        var cut = RenderLayout();

        var items = cut.FindAll(".mud-nav-link-text").Select(e => e.TextContent.Trim()).ToList();
        Assert.DoesNotContain("Templates", items);
        Assert.DoesNotContain("Accounts", items);
        Assert.DoesNotContain("Users", items);
        Assert.DoesNotContain("Audit log", items);
        Assert.Contains("Campaigns", items);
        Assert.Contains("User lookup", items);
        Assert.Equal("Editor", cut.Find("#current-role").TextContent.Trim());
    }

    [Fact]
    public void In_Chinese_the_menu_and_role_are_Chinese_and_no_text_is_missing()
    {
        UseCulture(ConsoleCultures.Chinese);

        var cut = RenderLayout();

        Assert.Contains("推送活动", cut.FindAll(".mud-nav-link-text").Select(e => e.TextContent.Trim()));
        Assert.Equal("管理员", cut.Find("#current-role").TextContent.Trim());
        Assert.Empty(Texts.Missing);
    }

    [Fact]
    public void The_language_switch_goes_through_the_culture_address_and_back()
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo("campaigns");
        var cut = RenderWithProviders<LanguageSwitch>();

        cut.Find("#language-switch button").Click();

        Assert.EndsWith("culture?culture=zh-CN&returnUrl=%2Fcampaigns", cut.WaitForElement("#language-zh").GetAttribute("href"));
        Assert.EndsWith("culture?culture=en&returnUrl=%2Fcampaigns", cut.Find("#language-en").GetAttribute("href"));
    }

    [Fact]
    public void The_sign_in_page_says_why_signing_in_failed_in_the_readers_language()
    {
        UseCulture(ConsoleCultures.Chinese);

        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo(navigation.GetUriWithQueryParameter("Error", "invalid"));
        var cut = Render<LoginPage>();

        Assert.Equal("邮箱或密码错误。", cut.Find("#login-error").TextContent.Trim());
        Assert.Empty(Texts.Missing);
    }

    [Fact]
    public void The_sign_in_page_asks_for_what_is_missing()
    {
        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo(navigation.GetUriWithQueryParameter("Error", "missing"));
        var cut = Render<LoginPage>();

        Assert.Equal("Enter your email and password.", cut.Find("#login-error").TextContent.Trim());
        Assert.NotNull(cut.Find("#email"));
        Assert.NotNull(cut.Find("a#language-zh"));
    }

    [Fact]
    public void An_anonymous_visitor_is_sent_to_sign_in_with_the_page_to_come_back_to()
    {
        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo("campaigns/7");

        Render<RedirectToLogin>();

        Assert.EndsWith("account/login?ReturnUrl=/campaigns%2F7", navigation.Uri);
    }

    [Fact]
    public void Error_not_found_and_access_denied_pages_say_what_happened()
    {
        Assert.Contains("Something went wrong", Render<ErrorPage>().Markup);
        Assert.Contains("There is nothing at this address", Render<NotFoundPage>().Markup);
        Assert.Contains("your role may not open this page", Render<AccessDeniedPage>().Find("#access-denied").TextContent);
        Assert.Contains("your role may not open this page", Render<AccessDenied>().Markup);
    }

    [Fact]
    public void The_reconnect_dialog_speaks_Chinese()
    {
        UseCulture(ConsoleCultures.Chinese);

        var cut = Render<ReconnectModal>();

        Assert.Contains("正在重新连接服务器", cut.Markup);
        Assert.Empty(Texts.Missing);
    }

    [Fact]
    public void The_sign_in_and_public_layouts_render_their_page()
    {
        Assert.Contains("inner", Render<SignInLayout>(p => p.Add(l => l.Body, (RenderFragment)(b => b.AddContent(0, "inner")))).Markup);
        Assert.Contains("inner", Render<PushConsole.Channels.PublicLayout>(p => p.Add(l => l.Body, (RenderFragment)(b => b.AddContent(0, "inner")))).Markup);
    }

    [Fact]
    public async Task The_account_switcher_offers_every_account_and_remembers_the_choice_for_the_circuit()
    {
        var account = await TestAccounts.CreateMiniProgramAsync(Host.Contexts(), "wxswitcher0001");
        var cut = RenderWithProviders<AccountSwitcher>();

        cut.Find("#account-switcher button").Click();
        cut.WaitForElement($"[data-account='{account.Id}']").Click();

        Assert.Equal(account.Id, Services.GetRequiredService<AccountSelection>().AccountId);
        cut.WaitForAssertion(() => Assert.Equal(account.Name, cut.Find("#selected-account").TextContent.Trim()));
    }

    [Fact]
    public void The_router_shows_an_editor_access_denied_on_an_admin_page_and_the_page_to_an_admin()
    {
        var navigation = Services.GetRequiredService<NavigationManager>();
        SignInAs(Roles.Editor, "editor@test.local");
        navigation.NavigateTo("users");

        var cut = Render<PushConsole.Components.Routes>();

        cut.WaitForElement("#access-denied");
        Assert.Empty(cut.FindAll("#users-grid"));
    }

    [Fact]
    public void The_router_shows_an_admin_the_users_page_in_the_layout()
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo("users");

        var cut = Render<PushConsole.Components.Routes>();

        cut.WaitForElement("#users-grid");
        Assert.NotNull(cut.Find("#nav-menu"));
    }

    [Fact]
    public void The_document_names_its_language_loads_the_styles_and_scripts_and_routes_to_the_page()
    {
        UseCulture(ConsoleCultures.Chinese);
        Services.GetRequiredService<NavigationManager>().NavigateTo("users");

        var cut = Render<PushConsole.Components.App>(p => p.AddCascadingValue<Microsoft.AspNetCore.Http.HttpContext>(
            new Microsoft.AspNetCore.Http.DefaultHttpContext()));

        Assert.Equal("zh-CN", cut.Find("html").GetAttribute("lang"));
        var styles = cut.FindAll("link[rel=stylesheet]").Select(l => l.GetAttribute("href")).ToList();
        Assert.Contains(styles, href => href!.Contains("MudBlazor.min.css"));
        Assert.DoesNotContain(styles, href => href!.StartsWith("http"));
        var scripts = cut.FindAll("script").Select(s => s.GetAttribute("src")).ToList();
        Assert.Contains(scripts, src => src!.EndsWith("blazor.web.js"));
        Assert.Contains(scripts, src => src!.EndsWith("MudBlazor.min.js"));
        // No inline script: the Content-Security-Policy allows only the console's own files.
        Assert.All(cut.FindAll("script"), s => Assert.False(string.IsNullOrEmpty(s.GetAttribute("src")), s.OuterHtml));
        cut.WaitForElement("#users-grid");
        Assert.NotNull(cut.Find("#nav-menu"));
        Assert.Empty(Texts.Missing);
    }
}
