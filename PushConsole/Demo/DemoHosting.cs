using PushConsole.Hosting;

namespace PushConsole.Demo;

public static class DemoHosting
{
    /// <summary>Demo data for a first run, on by default whenever the embedded simulator is (it needs it).</summary>
    public static WebApplicationBuilder AddDemoData(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(DemoOptions.Section).Get<DemoOptions>() ?? new DemoOptions();
        var simulator = EmbeddedSimulator.IsEnabled(builder.Configuration, builder.Environment);
        if (options.Enabled == true && !simulator)
        {
            throw new ConfigurationException("Demo:Enabled needs the embedded simulator (WeChat:Simulator:Enabled).");
        }
        if (options.Enabled ?? simulator)
        {
            builder.Services.Configure<DemoOptions>(builder.Configuration.GetSection(DemoOptions.Section));
            builder.Services.AddSingleton<DemoData>();
            builder.Services.AddHostedService<DemoSeeding>();
        }
        return builder;
    }

    /// <summary>Seeds once the server listens: the demo accounts point at the simulator on the console's own address.</summary>
    private sealed class DemoSeeding(DemoData demo, IHostApplicationLifetime lifetime, ILogger<DemoSeeding> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            lifetime.ApplicationStarted.Register(() => _ = Task.Run(async () =>
            {
                try
                {
                    await demo.SeedAsync(lifetime.ApplicationStopping);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogError(e, "Demo data could not be seeded.");
                }
            }));
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
