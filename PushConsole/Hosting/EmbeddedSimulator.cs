using PushConsole.Simulator;

namespace PushConsole.Hosting;

/// <summary>
/// The WeChat simulator mounted in the console at <c>/sim</c>: the default WeChat of a first run, demos and tests.
/// <c>WeChat:Simulator:Enabled</c> turns it on or off; it is on by default except in Production.
/// </summary>
public static class EmbeddedSimulator
{
    public const string Prefix = "/sim";

    public static bool IsEnabled(IConfiguration configuration, IHostEnvironment environment) =>
        configuration.GetValue<bool?>("WeChat:Simulator:Enabled") ?? !environment.IsProduction();

    public static WebApplicationBuilder AddEmbeddedSimulator(this WebApplicationBuilder builder)
    {
        if (IsEnabled(builder.Configuration, builder.Environment))
        {
            builder.Services.AddWeChatSimulator(o => builder.Configuration.GetSection("WeChat:Simulator").Bind(o));
        }
        return builder;
    }

    public static WebApplication MapEmbeddedSimulator(this WebApplication app)
    {
        if (IsEnabled(app.Configuration, app.Environment))
        {
            app.MapWeChatSimulator(Prefix);
        }
        return app;
    }
}
