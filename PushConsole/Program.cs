using PushConsole;
using PushConsole.Accounts;
using PushConsole.Api;
using PushConsole.Campaigns;
using PushConsole.Channels;
using PushConsole.Components;
using PushConsole.Credentials;
using PushConsole.Demo;
using PushConsole.Health;
using PushConsole.Hosting;
using PushConsole.Outcomes;
using PushConsole.MiniProgram;
using PushConsole.Shell;
using PushConsole.SignIn;
using PushConsole.Templates;

try
{
    var builder = WebApplication.CreateBuilder(args);

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
    builder.AddCampaigns();
    builder.AddChannels();

    var app = builder.Build();

    await app.PrepareDatabaseAsync();

    app.UseSecurityHeaders();
    app.UseConsolePipeline();
    app.UseMiniProgramRateLimits();
    app.UseStrictJsonBodies();
    app.MapConsoleHealth();
    app.MapSignIn();
    app.MapConsoleApi();
    app.MapMiniProgramEndpoints();
    app.MapOutcomeDownloads();
    app.MapEmbeddedSimulator();
    app.MapConsoleShell();
    app.AnnounceSignIn();

    app.Run();
    return 0;
}
catch (ConfigurationException problem)
{
    // A configuration mistake is one line naming the key, not a stack trace.
    Console.Error.WriteLine($"PushConsole cannot start: {problem.Message}");
    return 1;
}
catch (Microsoft.Extensions.Options.OptionsValidationException problem)
{
    // The same for a section checked at start (ValidateOnStart): each failure names its key.
    Console.Error.WriteLine($"PushConsole cannot start: {string.Join(" ", problem.Failures)}");
    return 1;
}

/// <summary>Entry point, public so tests can host the console with WebApplicationFactory.</summary>
public partial class Program;
