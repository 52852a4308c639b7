using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PushConsole.Simulator;

// A named entry point: a top-level Program would clash with the console's own Program type.
public static class SimulatorProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "bench")
        {
            return await SimulatorBench.RunAsync(args[1..]);
        }

        var builder = WebApplication.CreateBuilder(args);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
            builder.WebHost.UseUrls("http://127.0.0.1:5090");
        builder.Services.AddWeChatSimulator(o => builder.Configuration.GetSection("Simulator").Bind(o));

        var app = builder.Build();
        app.MapGet("/", () => "PushConsole WeChat simulator: WeChat API at /cgi-bin/..., control API at /control (see docs/simulator.md)");
        app.MapWeChatSimulator();
        await app.RunAsync();
        return 0;
    }
}
