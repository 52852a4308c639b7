using PushConsole.Tests.Infrastructure;
using Bunit;
using Bunit.Rendering;
using PushConsole.Accounts;
using PushConsole.ApiTokens;
using PushConsole.Campaigns;
using PushConsole.Channels;
using PushConsole.Credentials;
using PushConsole.Dashboard;
using PushConsole.Outcomes;
using PushConsole.Shell;
using PushConsole.Templates;

namespace PushConsole.Tests.ShellTests;

/// <summary>A console with nothing in it yet: every page says what to do next, in both languages. Nothing here adds data.</summary>
public sealed class EmptyConsoleTests(UiHost ui) : ConsoleUiTest(ui), IClassFixture<UiHost>
{
    [Theory]
    [InlineData("en")]
    [InlineData("zh-CN")]
    public void Every_page_of_an_empty_console_says_what_to_do_next(string culture)
    {
        UseCulture(culture);
        var chinese = culture == ConsoleCultures.Chinese;

        var accounts = RenderWithProviders<AccountsPage>();
        accounts.WaitForAssertion(() => Assert.Contains(chinese ? "请先用 AppID 和 AppSecret 添加" : "Add your mini program or official account", accounts.Find("#no-accounts").TextContent));

        var campaigns = RenderWithProviders<CampaignsPage>();
        campaigns.WaitForAssertion(() => Assert.Contains(chinese ? "新建一个" : "Create one", campaigns.Find("#no-campaigns").TextContent));

        var channels = RenderWithProviders<ChannelsPage>();
        channels.WaitForAssertion(() => Assert.Contains(chinese ? "为下一场直播添加频道" : "Add one for your next live", channels.Find("#no-channels").TextContent));

        var templates = RenderWithProviders<TemplatesPage>();
        templates.WaitForAssertion(() => Assert.Contains(chinese ? "请先添加微信账号" : "Add a WeChat account first", templates.Find("#templates-no-account").TextContent));

        var credentials = RenderWithProviders<CredentialsPage>();
        credentials.WaitForAssertion(() => Assert.Contains(chinese ? "还没有小程序账号" : "No mini program account yet", credentials.Find("#no-accounts").TextContent));

        var tokens = RenderWithProviders<ApiTokensPage>();
        tokens.WaitForAssertion(() => Assert.Contains(chinese ? "还没有令牌" : "No token yet", tokens.Find("#no-tokens").TextContent));

        var dashboard = RenderWithProviders<DashboardPage>();
        dashboard.WaitForAssertion(() =>
        {
            Assert.Contains(chinese ? "还没有小程序账号" : "No mini program account yet", dashboard.Find("#no-mini-program").TextContent);
            Assert.Contains(chinese ? "从推送活动开始" : "Start with a campaign", dashboard.Find("#no-runs").TextContent);
        });

        var outcomes = RenderWithProviders<OutcomesPage>();
        outcomes.WaitForAssertion(() =>
        {
            Assert.Contains(chinese ? "此时间段内没有发送" : "Nothing was sent in this period", outcomes.Find("#no-outcomes").TextContent);
            Assert.NotNull(outcomes.Find("#no-errors"));
        });

        var newCampaign = RenderWithProviders<CampaignEditPage>();
        newCampaign.WaitForAssertion(() => Assert.Contains(chinese ? "管理员在“微信账号”中添加" : "an admin adds a WeChat account", newCampaign.Find("#no-accounts").TextContent));

        Assert.Empty(Texts.Missing);
    }

    [Fact]
    public void Pages_for_things_that_do_not_exist_say_so()
    {
        var campaign = RenderWithProviders<CampaignPage>(("Id", 4242));
        campaign.WaitForElement("#campaign-missing");

        var run = RenderWithProviders<RunOutcomesPage>(("Id", 4242L));
        run.WaitForElement("#run-missing");

        var channel = RenderWithProviders<ChannelDetailPage>(("Id", 4242));
        channel.WaitForAssertion(() => Assert.Equal("No such channel.", channel.Find("#channel-missing").TextContent.Trim()));

        var live = Render<PublicChannelPage>(p => p.Add(c => c.PublicId, "no-such-channel"));
        Assert.Contains("This channel does not exist.", live.Markup);
    }
}
