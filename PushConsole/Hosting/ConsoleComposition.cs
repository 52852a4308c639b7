using PushConsole.Accounts;
using PushConsole.Api;
using PushConsole.Audit;
using PushConsole.Campaigns;
using PushConsole.Channels;
using PushConsole.Components;
using PushConsole.Credentials;
using PushConsole.Demo;
using PushConsole.Health;
using PushConsole.Messages;
using PushConsole.MiniProgram;
using PushConsole.Shell;
using PushConsole.SignIn;
using PushConsole.Templates;

namespace PushConsole.Hosting;

public static class ConsoleComposition
{
    /// <summary>
    /// Registers every part of the console from its configuration. Program.cs and the wiring tests call this one list,
    /// so a test can build the console's services for a database it cannot reach (nothing here connects).
    /// </summary>
    public static WebApplicationBuilder AddConsole(this WebApplicationBuilder builder)
    {
        builder.AddOperatorConfiguration();
        builder.AddConsoleDatabase();
        builder.AddConsoleDataProtection();
        builder.AddConsoleScheduler();
        builder.AddConsoleWeChat();
        builder.AddConsoleSignIn();
        builder.AddConsoleApi();
        builder.AddStrictJsonBodies();
        builder.AddConsoleHealth();
        builder.AddConsoleShell();
        builder.AddSecurityHeaders();
        builder.AddEmbeddedSimulator();
        builder.AddAccounts();
        builder.AddTemplates();
        builder.AddCredentialPool();
        builder.AddMiniProgramEndpoints();
        builder.AddDemoData();
        builder.AddSendEngine();
        builder.AddCampaigns();
        builder.AddChannels();
        builder.AddMessages();
        builder.AddAuditLog();
        return builder;
    }
}
