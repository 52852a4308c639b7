using PushConsole;
using PushConsole.Api;
using PushConsole.Components;
using PushConsole.Health;
using PushConsole.Hosting;
using PushConsole.Outcomes;
using PushConsole.MiniProgram;
using PushConsole.Shell;
using PushConsole.SignIn;

try
{
    var builder = WebApplication.CreateBuilder(args);

    builder.AddConsole();

    var app = builder.Build();
    // Sections checked at start (ValidateOnStart) are checked here, before the database is touched or the host logs
    // a failed start with a stack trace: a wrong value ends in the one line below.
    app.Services.GetRequiredService<Microsoft.Extensions.Options.IStartupValidator>().Validate();

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
    // The same for a section checked at start (ValidateOnStart, see above): each failure names its key.
    Console.Error.WriteLine($"PushConsole cannot start: {string.Join(" ", problem.Failures)}");
    return 1;
}

/// <summary>Entry point, public so tests can host the console with WebApplicationFactory.</summary>
public partial class Program;
