using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using PushConsole.Persistence;

namespace PushConsole.Bench;

/// <summary>
/// The whole console on a 127.0.0.1 port (Kestrel), plus one thing only the bench has: <see cref="NoOpPath"/>, a
/// handler at the very front of the same app that reads the request body and answers a fixed 200 reply. It is the
/// floor the intake endpoint is compared with: the same HTTP request, minus routing, auth, rate limit, parsing and
/// the database.
/// </summary>
public sealed class BenchHost : WebApplicationFactory<Program>
{
    public const string NoOpPath = "/bench/noop";
    private static readonly byte[] NoOpReply = """{"accepted":10,"duplicates":0,"rejected":[]}"""u8.ToArray();
    private readonly Dictionary<string, string?> settings;

    public BenchHost(DatabaseOptions database, IDictionary<string, string?>? extra = null)
    {
        settings = new Dictionary<string, string?>
        {
            ["Database:Provider"] = database.Provider.ToString(),
            ["ConnectionStrings:PushConsole"] = database.ConnectionString,
            ["Bootstrap:AdminEmail"] = "bench@pushconsole.local",
            ["Bootstrap:AdminPassword"] = "Bench-Pa55word",
            ["Demo:Enabled"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
            // Start-up noise that says nothing about the run: EF's probe for the migrations table, the key ring, the URL.
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command"] = "None",
            ["Logging:LogLevel:Microsoft.AspNetCore.DataProtection"] = "Error",
            ["Logging:LogLevel:Microsoft.AspNetCore.Server.Kestrel"] = "Error",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        UseKestrel(o =>
        {
            o.Listen(IPAddress.Loopback, 0);
            o.AddServerHeader = false;
        });
    }

    public Uri BaseAddress { get; private set; } = null!;

    public BenchHost Start()
    {
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
        BaseAddress = new Uri(addresses.Addresses.First().TrimEnd('/') + "/");
        return this;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, NoOpEndpoint>());
    }

    private sealed class NoOpEndpoint : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                if (!context.Request.Path.StartsWithSegments(NoOpPath))
                {
                    await nextMiddleware(context);
                    return;
                }
                // Take the same body the intake endpoint takes, then answer like it would.
                var buffer = new byte[4096];
                while (await context.Request.Body.ReadAsync(buffer) > 0)
                {
                }
                context.Response.ContentType = "application/json; charset=utf-8";
                context.Response.ContentLength = NoOpReply.Length;
                await context.Response.Body.WriteAsync(NoOpReply);
            });
            next(app);
        };
    }
}
