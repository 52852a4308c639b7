using PushConsole.Sending;

namespace PushConsole.Hosting;

public static class SendingHosting
{
    /// <summary>The one send engine every kind of run goes through (see <see cref="SendingServiceCollectionExtensions"/>).</summary>
    public static WebApplicationBuilder AddSendEngine(this WebApplicationBuilder builder)
    {
        builder.Services.AddSendEngine(builder.Configuration);
        return builder;
    }
}
