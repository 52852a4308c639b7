using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PushConsole.Credentials;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;
using PushConsole.Users;

namespace PushConsole.Tests.Credentials;

public class InventoryTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task Every_figure_is_counted_from_the_rows(DatabaseProvider provider)
    {
        await using var pool = await TestPool.CreateAsync(provider);
        await InventorySeed.SeedAsync(pool.Services, pool.AccountId, pool.Clock);

        var inventory = await pool.Inventory.GetAsync(pool.AccountId);

        InventorySeed.AssertFigures(inventory!);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task Figures_follow_claims_releases_and_the_clock_without_a_sweep(DatabaseProvider provider)
    {
        await using var pool = await TestPool.CreateAsync(provider);
        var now = pool.Clock.GetUtcNow();
        await pool.ReportAsync("user", new ReportedCredential("a", ClientExpiry: now.AddHours(1)), new ReportedCredential("b"));

        var claim = await pool.Pool.ClaimAsync(pool.AccountId, "user", CredentialDemand.TemplateMessage);
        Assert.Equal(1, (await pool.Inventory.GetAsync(pool.AccountId))!.Available.Single().Credentials);
        await pool.Pool.ReleaseAsync(claim!.CredentialId);
        Assert.Equal(2, (await pool.Inventory.GetAsync(pool.AccountId))!.Available.Single().Credentials);
        pool.Clock.Advance(TimeSpan.FromHours(1));
        var later = await pool.Inventory.GetAsync(pool.AccountId);

        Assert.Equal(1, later!.Available.Single().Credentials);
        Assert.Equal(1, later.Daily[^1].Expired);
    }

    [Fact]
    public async Task An_unknown_account_has_no_inventory()
    {
        await using var pool = await TestPool.CreateAsync(DatabaseProvider.Sqlite);

        Assert.Null(await pool.Inventory.GetAsync(pool.AccountId + 1000));
    }

    [Fact]
    public async Task The_inventory_api_returns_the_same_figures_to_an_editors_token()
    {
        var clock = new ManualTimeProvider();
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite, testServices: s => s.AddSingleton<TimeProvider>(clock));
        var account = await TestAccounts.CreateMiniProgramAsync(host.Contexts(), "wxinventoryapi001");
        await InventorySeed.SeedAsync(host.Services, account.Id, clock);
        var token = await TestUsers.CreateWithTokenAsync(host, "editor@test.local", Roles.Editor);
        using var http = host.CreateHttpClient(token);

        var figures = await http.GetFromJsonAsync<Inventory>($"api/v1/inventory?accountId={account.Id}", new JsonSerializerOptions(JsonSerializerDefaults.Web));
        var raw = await http.GetStringAsync($"api/v1/inventory?accountId={account.Id}");

        InventorySeed.AssertFigures(figures!);
        Assert.Contains("\"reachableUsers\":5", raw);
        Assert.Contains("\"expiringWithin24Hours\":1", raw);
    }

    [Fact]
    public async Task The_inventory_api_is_404_for_an_unknown_account_400_without_one_and_401_without_a_token()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        using var http = host.CreateHttpClient(ConsoleHost.AdminApiToken);
        using var anonymous = host.CreateHttpClient();

        var unknown = await http.GetAsync("api/v1/inventory?accountId=4242");
        var missing = await http.GetAsync("api/v1/inventory");
        var unauthorized = await anonymous.GetAsync("api/v1/inventory?accountId=1");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
    }
}
