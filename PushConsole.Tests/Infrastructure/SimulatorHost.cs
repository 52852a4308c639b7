using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Logging;
using PushConsole.Simulator;

namespace PushConsole.Tests.Infrastructure;

/// <summary>The WeChat simulator on its own loopback port, as WeChat's API host for accounts under test.</summary>
public sealed class SimulatorHost : IAsyncDisposable
{
    private readonly WebApplication app;

    private SimulatorHost(WebApplication app, Uri baseAddress)
    {
        this.app = app;
        BaseAddress = baseAddress;
    }

    /// <summary>The API base URL to give an account (ends with '/').</summary>
    public Uri BaseAddress { get; }

    /// <summary>The simulator's control surface: apps, templates, grants, followers, inboxes.</summary>
    public WeChatSimulator Simulator => app.Services.GetRequiredService<WeChatSimulator>();

    public static async Task<SimulatorHost> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddRouting();
        builder.Services.AddWeChatSimulator();
        var app = builder.Build();
        app.MapWeChatSimulator();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new SimulatorHost(app, new Uri(address.TrimEnd('/') + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
