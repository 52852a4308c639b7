using PushConsole.Credentials;
using PushConsole.Hosting;

namespace PushConsole.Credentials;

public static class CredentialHosting
{
    /// <summary>The credential pool, its sweep job and the services the mini program endpoint and dashboard use.</summary>
    public static WebApplicationBuilder AddCredentialPool(this WebApplicationBuilder builder)
    {
        builder.Services.AddCredentialPool(builder.Configuration, builder.Services.GetDatabaseOptions());
        return builder;
    }
}
