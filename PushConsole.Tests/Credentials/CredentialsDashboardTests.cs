using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Time.Testing;
using MudBlazor;
using PushConsole.Credentials;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.Credentials;

/// <summary>A console whose clock ends where <see cref="InventorySeed"/> leaves it, refreshing the dashboard every 5 s.</summary>
public sealed class SeededClockHost : UiHost
{
    public ManualTimeProvider Clock { get; } = new();

    protected override Task<ConsoleHost> StartAsync() => ConsoleHost.StartAsync(DatabaseProvider.Sqlite,
        new Dictionary<string, string?> { ["Credentials:DashboardRefreshInterval"] = "00:00:05" },
        s => s.AddSingleton<TimeProvider>(Clock));
}

/// <summary>
/// The credential inventory page over the hand-worked <see cref="InventorySeed"/>: its figures, its charts, following
/// new credentials on its refresh interval (a fake clock moves the interval on), and switching account.
/// </summary>
public sealed class CredentialsDashboardTests : ConsoleUiTest, IClassFixture<SeededClockHost>
{
    private readonly SeededClockHost seeded;
    // The page's refresh timer runs on this clock; the services read the host's seeded one.
    private readonly FakeTimeProvider refreshClock;

    public CredentialsDashboardTests(SeededClockHost seeded) : this(seeded, new FakeTimeProvider(InventorySeed.Now)) { }

    private CredentialsDashboardTests(SeededClockHost seeded, FakeTimeProvider refreshClock)
        : base(seeded, services: s => s.AddSingleton<TimeProvider>(refreshClock))
    {
        this.seeded = seeded;
        this.refreshClock = refreshClock;
    }

    private IRenderedComponent<Bunit.Rendering.ContainerFragment> RenderFor(int accountId)
    {
        // The page reads its account from the address, as the account picker leaves it.
        Services.GetRequiredService<NavigationManager>().NavigateTo($"credentials?accountId={accountId}");
        return RenderWithProviders<CredentialsPage>();
    }

    [Fact]
    public async Task The_dashboard_shows_the_seeded_inventory_with_charts_and_follows_new_credentials_live()
    {
        await TestAccounts.CreateMiniProgramAsync(Host.Contexts(), "wxaaaaemptydemo01");
        var account = await TestAccounts.CreateMiniProgramAsync(Host.Contexts(), "wxdashboarddemo01");
        await InventorySeed.SeedAsync(Host.Services, account.Id, seeded.Clock);

        var cut = RenderFor(account.Id);

        cut.WaitForAssertion(() => Assert.Equal("5", cut.Find("#reachable-users").TextContent));
        Assert.Equal("6", cut.Find("#known-users").TextContent);
        Assert.Equal("20", cut.Find("#available-formid").TextContent);
        Assert.Equal("2", cut.Find("#available-prepay").TextContent);
        Assert.Equal("6", cut.Find("#available-prepay-uses").TextContent);
        Assert.Equal("2", cut.Find("#available-grant").TextContent);
        Assert.Equal("1", cut.Find("#expiring-24h").TextContent);
        Assert.Equal("2", cut.Find("#expiring-48h").TextContent);
        Assert.Equal(["3", "1", "2", "1", "1"], cut.FindAll("#distribution td").Select(td => td.TextContent.Trim()));
        Assert.Contains("Received 28 · expired unused 3", cut.Find("#daily-totals").TextContent);
        Assert.Contains("lots", cut.FindAll("#top-users tbody tr")[0].TextContent);
        Assert.Contains("Shipping notice", cut.Find("#grants-by-template").TextContent);
        // Both charts drew their series: a column per distribution bucket, columns for the daily flow.
        Assert.NotNull(cut.Find("#distribution-chart svg"));
        Assert.True(cut.FindAll("#distribution-chart path.mud-chart-bar").Count >= 4);
        Assert.True(cut.FindAll("#daily-chart path.mud-chart-bar").Count >= 4);

        // New credentials arrive while the page is open: nothing changes until the refresh interval has passed.
        await Service<CredentialIntake>().ReportAsync(account.Id, "newcomer",
            [new ReportedCredential("new-1"), new ReportedCredential("new-2"), new ReportedCredential("new-3")]);
        refreshClock.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal("20", cut.Find("#available-formid").TextContent);

        refreshClock.Advance(TimeSpan.FromSeconds(1));

        cut.WaitForAssertion(() => Assert.Equal("23", cut.Find("#available-formid").TextContent));
        Assert.Equal("6", cut.Find("#reachable-users").TextContent);
        Assert.Contains("Received 31", cut.Find("#daily-totals").TextContent);
        Assert.Empty(Texts.Missing);
    }

    [Fact]
    public async Task Choosing_another_account_shows_its_own_figures()
    {
        var full = await TestAccounts.CreateMiniProgramAsync(Host.Contexts(), "wxaaaseeded00001");
        var empty = await TestAccounts.CreateMiniProgramAsync(Host.Contexts(), "wxbbbempty000001");
        await InventorySeed.SeedAsync(Host.Services, full.Id, seeded.Clock);
        var cut = RenderFor(full.Id);
        cut.WaitForAssertion(() => Assert.Equal("20", cut.Find("#available-formid").TextContent));

        var picker = cut.FindComponent<MudSelect<int>>();
        await cut.InvokeAsync(() => picker.Instance.ValueChanged.InvokeAsync(empty.Id));

        cut.WaitForAssertion(() => Assert.Equal("0", cut.Find("#available-formid").TextContent));
        Assert.Equal("0", cut.Find("#reachable-users").TextContent);
        Assert.EndsWith($"credentials?accountId={empty.Id}", Services.GetRequiredService<NavigationManager>().Uri);
    }
}
