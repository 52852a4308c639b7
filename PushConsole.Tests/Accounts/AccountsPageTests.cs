using PushConsole.Tests.Infrastructure;
using System.Reflection;
using Bunit;
using Bunit.Rendering;
using Microsoft.AspNetCore.Authorization;
using PushConsole.Accounts;
using PushConsole.Shell;
using PushConsole.Users;

namespace PushConsole.Tests.AccountTests;

/// <summary>The accounts page and its dialogs over the console's real account service.</summary>
public sealed class AccountsPageTests(UiHost ui) : ConsoleUiTest(ui), IClassFixture<UiHost>
{
    [Fact]
    public void Only_admins_may_open_the_accounts_page()
    {
        AssertOnlyAdmins<AccountsPage>();
    }

    [Fact]
    public async Task An_added_account_is_saved_listed_and_confirmed()
    {
        var cut = RenderWithProviders<AccountsPage>();
        cut.Find("#add-account").Click();
        cut.WaitForElement("#account-name").Input("Shop mini program");
        cut.Find("#account-appid").Input("wxshop000001");
        cut.Find("#account-secret").Input("a-secret-of-some-length");
        cut.Find("#save-account").Click();

        cut.WaitForAssertion(() => Assert.Contains("wxshop000001", cut.Find("#accounts-grid").TextContent));
        var saved = (await Service<AccountService>().ListAsync()).Single(a => a.AppId == "wxshop000001");
        Assert.Equal("Shop mini program", saved.Name);
        Assert.Contains("Shop mini program saved.", cut.Markup);
    }

    [Fact]
    public void Missing_and_wrong_fields_are_named_and_the_messages_clear_once_fixed()
    {
        var cut = RenderWithProviders<AccountsPage>();
        cut.Find("#add-account").Click();
        cut.WaitForElement("#account-timezone").Input("Mars/Olympus");
        cut.Find("#account-appid").Input("wx!");
        cut.Find("#account-rate").Input("-5");
        cut.Find("#save-account").Click();

        cut.WaitForAssertion(() =>
        {
            var messages = ValidationMessages(cut);
            Assert.Contains("Name is required.", messages);
            Assert.Contains("An AppID is 4 to 64 letters, digits, '-' or '_'.", messages);
            Assert.Contains("Sends per second is a number from 1 to 100000.", messages);
            Assert.Contains("Unknown time zone \"Mars/Olympus\": use an IANA name such as Asia/Shanghai.", messages);
        });

        cut.Find("#account-timezone").Input("Asia/Shanghai");
        cut.Find("#account-name").Input("Fixed");
        cut.WaitForAssertion(() =>
        {
            var messages = ValidationMessages(cut);
            Assert.DoesNotContain(messages, m => m.StartsWith("Unknown time zone"));
            Assert.DoesNotContain("Name is required.", messages);
        });
    }

    [Fact]
    public async Task A_name_far_too_long_is_refused_with_a_message_saying_how_long_it_may_be_and_nothing_is_saved()
    {
        var cut = RenderWithProviders<AccountsPage>();
        cut.Find("#add-account").Click();
        cut.WaitForElement("#account-name").Input(new string('名', 5000));
        cut.Find("#account-appid").Input("wxlongname001");
        cut.Find("#save-account").Click();

        cut.WaitForAssertion(() => Assert.Contains("Name is 1 to 100 characters.", ValidationMessages(cut)));
        Assert.NotEmpty(cut.FindAll(".mud-dialog"));
        Assert.DoesNotContain(await Service<AccountService>().ListAsync(), a => a.AppId == "wxlongname001");
    }

    [Fact]
    public async Task Deleting_names_what_is_lost_and_keeping_it_deletes_nothing()
    {
        var account = await TestAccounts.CreateMiniProgramAsync(Host.Contexts(), "wxdelete00001");
        await TestAccounts.CreateSubscribeTemplateAsync(Host.Contexts(), account.Id, "tpl-delete-1");
        var cut = RenderWithProviders<AccountsPage>();
        cut.WaitForAssertion(() => Assert.Contains("wxdelete00001", cut.Find("#accounts-grid").TextContent));

        ClickInRow(cut, "#accounts-grid", "wxdelete00001", "Delete");
        cut.WaitForAssertion(() => Assert.Contains("also deletes 1 template(s), 0 campaign(s), 0 channel(s)", cut.Find(".mud-dialog").TextContent));
        ClickButton(cut, "Keep it");
        Assert.NotNull(await Service<AccountService>().FindAsync(account.Id));

        ClickInRow(cut, "#accounts-grid", "wxdelete00001", "Delete");
        cut.WaitForElement(".mud-dialog");
        ClickButton(cut, "Delete");
        cut.WaitForAssertion(() => Assert.DoesNotContain("wxdelete00001", cut.Find("#accounts-grid").TextContent));
        Assert.Null(await Service<AccountService>().FindAsync(account.Id));
    }

    [Fact]
    public async Task Testing_the_connection_of_an_unreachable_account_says_so_beside_the_button()
    {
        var created = await Service<AccountService>().CreateAsync(new AccountInput
        {
            Name = "Unreachable", AppId = "wxunreach0001", Secret = "some-secret-value", ApiBaseUrl = "http://127.0.0.1:1",
        });
        Assert.True(created.Succeeded, string.Join(" ", created.Errors));
        var cut = RenderWithProviders<AccountsPage>();
        cut.WaitForAssertion(() => Assert.Contains("wxunreach0001", cut.Find("#accounts-grid").TextContent));

        cut.FindAll("#accounts-grid tr").First(r => r.TextContent.Contains("wxunreach0001")).QuerySelector("button.account-test")!.Click();

        // The meaning leads; what the transport said is WeChat's own errmsg here, kept in the tooltip and said to be WeChat's.
        cut.WaitForAssertion(() => Assert.StartsWith("WeChat busy or no answer", cut.Find("[data-connection-answer]").TextContent), TimeSpan.FromSeconds(10));
        Assert.Contains("(WeChat answered errcode -1)", cut.Find("[data-connection-answer]").TextContent);
        Assert.Contains("· WeChat's own message: ", cut.Find("[data-connection-answer]").GetAttribute("title"));
    }

    [Fact]
    public void The_page_and_the_dialog_render_in_Chinese_without_a_missing_text()
    {
        UseCulture(ConsoleCultures.Chinese);
        var cut = RenderWithProviders<AccountsPage>();
        cut.Find("#add-account").Click();
        cut.WaitForElement("#account-name");

        Assert.Contains("微信账号", cut.Markup);
        Assert.Contains("每秒发送数", cut.Markup);
        Assert.Empty(Texts.Missing);
    }
}
