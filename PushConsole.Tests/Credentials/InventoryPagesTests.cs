using Bunit;
using Bunit.Rendering;
using PushConsole.Credentials;
using PushConsole.Dashboard;
using PushConsole.Shell;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.Credentials;

/// <summary>The credential inventory page and the dashboard's summaries over a seeded pool.</summary>
public sealed class InventoryPagesTests(UiHost ui) : ConsoleUiTest(ui), IClassFixture<UiHost>
{
    [Fact]
    public async Task The_inventory_shows_the_pool_with_charts_and_the_time_in_the_accounts_zone()
    {
        var account = await TestAccounts.CreateMiniProgramAsync(Host.Contexts(), "wxinventory01");
        await InventorySeed.SeedAsync(Host.Services, account.Id, new ManualTimeProvider(DateTimeOffset.UtcNow));

        var figures = (await Service<InventoryQuery>().GetAsync(account.Id))!;
        Assert.True(figures.ReachableUsers > 0);

        var cut = RenderWithProviders<CredentialsPage>();

        cut.WaitForAssertion(() => Assert.Equal(figures.ReachableUsers.ToString(), cut.Find("#reachable-users").TextContent));
        Assert.Equal(figures.KnownUsers.ToString(), cut.Find("#known-users").TextContent);
        Assert.Contains("(Asia/Shanghai)", cut.Find("#as-of").TextContent);
        Assert.True(cut.FindAll("#distribution-chart path.mud-chart-bar").Count >= 4);
        Assert.Empty(Texts.Missing);
    }

    [Fact]
    public async Task The_dashboard_shows_each_mini_programs_figures_in_Chinese()
    {
        UseCulture(ConsoleCultures.Chinese);
        await TestAccounts.CreateMiniProgramAsync(Host.Contexts(), "wxinventory02");

        var cut = RenderWithProviders<DashboardPage>();

        cut.WaitForAssertion(() => Assert.Contains("Mini program wxinventory02", cut.Find("#inventory-summary").TextContent));
        Assert.Contains("今日发送结果", cut.Find("#outcomes-summary").TextContent);
        Assert.Empty(Texts.Missing);
    }
}
