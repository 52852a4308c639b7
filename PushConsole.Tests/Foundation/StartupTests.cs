using System.Net;
using System.Text.Json;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.Foundation;

public class StartupTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task The_console_starts_on_each_provider_and_reports_live_and_ready(DatabaseProvider provider)
    {
        await using var host = await ConsoleHost.StartAsync(provider);
        using var http = host.CreateHttpClient();

        var live = await http.GetAsync("healthz");
        // Readiness is polled, as an orchestrator would: the scheduler starts once the application has started, a
        // moment after the host is listening.
        var ready = await http.GetAsync("readyz");
        for (var attempt = 0; attempt < 100 && ready.StatusCode != HttpStatusCode.OK; attempt++)
        {
            await Task.Delay(200);
            ready = await http.GetAsync("readyz");
        }

        Assert.Equal(provider, host.Services.GetRequiredService<DatabaseOptions>().Provider);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var report = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", report.RootElement.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
        Assert.Equal("Healthy", report.RootElement.GetProperty("checks").GetProperty("scheduler").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Pages_need_sign_in_but_the_login_page_does_not()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        using var http = host.CreateHttpClient();

        var dashboard = await http.GetAsync("");
        var login = await http.GetAsync("account/login");

        Assert.Equal(HttpStatusCode.Redirect, dashboard.StatusCode);
        Assert.StartsWith("/account/login", dashboard.Headers.Location!.PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_the_api()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        using var http = host.CreateHttpClient();

        var document = await http.GetStringAsync("openapi/v1.json");

        Assert.Contains("/api/v1/me", document);
    }
}
