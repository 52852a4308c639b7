using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using PushConsole.Persistence;

namespace PushConsole.Tests.Infrastructure;

/// <summary>
/// The whole console on a real loopback port (Kestrel), on a database of the test's choosing, with a known
/// admin password and API token. Browser tests and HTTP tests talk to <see cref="BaseAddress"/>.
/// </summary>
public sealed class ConsoleHost : WebApplicationFactory<Program>
{
    public const string AdminEmail = "admin@test.local";
    public const string AdminPassword = "Admin-Pa55word";
    public const string AdminApiToken = "pct_test_admin_token_0123456789abcdef";

    private readonly DatabaseOptions database;
    private readonly Dictionary<string, string?> settings;
    private readonly Action<IServiceCollection>? testServices;

    /// <param name="testServices">Replaces services after the console registered its own (e.g. a manual TimeProvider).</param>
    public ConsoleHost(DatabaseOptions database, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? testServices = null)
    {
        this.database = database;
        this.testServices = testServices;
        this.settings = new Dictionary<string, string?>
        {
            ["Database:Provider"] = database.Provider.ToString(),
            ["ConnectionStrings:PushConsole"] = database.ConnectionString,
            ["Bootstrap:AdminEmail"] = AdminEmail,
            ["Bootstrap:AdminPassword"] = AdminPassword,
            ["Bootstrap:ApiToken"] = AdminApiToken,
            ["Demo:Enabled"] = "false",
            // The tests' simulators listen on loopback ports of their own.
            ["Accounts:AllowedApiBaseUrls:0"] = "http://127.0.0.1:*",
            // Outside Development the embedded simulator is off unless asked for; the tests use it as WeChat.
            ["WeChat:Simulator:Enabled"] = "true",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            this.settings[key] = value;
        }
        UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
    }

    public DatabaseOptions Database => database;

    /// <summary>Replaces services after the console registered its own (e.g. a clock), for tests that need to.</summary>
    public Action<IServiceCollection>? ConfigureTestServices { get; init; }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The host environment (Testing unless a test needs another, e.g. Staging).</summary>
    public string Environment { get; init; } = "Testing";

    /// <summary>Starts the server (migrations, bootstrap, scheduler) and learns its port.</summary>
    public ConsoleHost Start()
    {
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
        BaseAddress = new Uri(addresses.Addresses.First().Replace("[::1]", "127.0.0.1").TrimEnd('/') + "/");
        return this;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(Environment);
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
        if (testServices is not null)
        {
            builder.ConfigureTestServices(testServices);
        }
        if (ConfigureTestServices is { } configure)
        {
            builder.ConfigureTestServices(configure);
        }
    }

    /// <summary>A client on the real port, optionally carrying a bearer token.</summary>
    public HttpClient CreateHttpClient(string? bearer = null)
    {
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = BaseAddress };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        return client;
    }

    public static async Task<ConsoleHost> StartAsync(DatabaseProvider provider, IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? testServices = null)
    {
        var database = await TestDatabases.NewMigratedAsync(provider);
        return new ConsoleHost(database, settings, testServices).Start();
    }
}
