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
        // On an empty database: starting includes migrating it.
        await using var host = new ConsoleHost(await TestDatabases.NewAsync(provider)).Start();
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

    [Theory]
    [InlineData("WeChat__MaxRetries", "50", "WeChat:MaxRetries")]
    [InlineData("WeChat__RetryMaxDelay", "00:00:00.001", "WeChat:RetryMaxDelay")]
    [InlineData("Database__Provider", "Oracle", "Database:Provider")]
    public async Task A_wrong_setting_stops_start_up_with_one_line_naming_the_key(string variable, string value, string key)
    {
        var workDir = Directory.CreateTempSubdirectory("pushconsole-wrong-setting-").FullName;
        var info = new System.Diagnostics.ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "PushConsole.dll")])
        {
            WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        info.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        info.Environment["PUSHCONSOLE_CONFIG"] = Path.Combine(workDir, "none.json");
        info.Environment["ConnectionStrings__PushConsole"] = $"Data Source={Path.Combine(workDir, "console.db")}";
        info.Environment[variable] = value;
        using var process = System.Diagnostics.Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();

        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        }
        finally
        {
            // A console that started after all would otherwise outlive the test.
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        Assert.Equal(1, process.ExitCode);
        var lines = (await error).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines, l => l.StartsWith("PushConsole cannot start: ", StringComparison.Ordinal));
        Assert.Contains(key, line);
        Assert.DoesNotContain(lines.Concat((await output).Split('\n')), l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }
}
