using PushConsole.Api;
using PushConsole.Components;
using PushConsole.Credentials;
using PushConsole.Health;
using PushConsole.Hosting;
using PushConsole.MiniProgram;
using PushConsole.SignIn;

var builder = WebApplication.CreateBuilder(args);

builder.AddOperatorConfiguration();
builder.AddConsoleDatabase();
builder.AddConsoleScheduler();
builder.AddConsoleSignIn();
builder.AddConsoleApi();
builder.AddCredentialPool();
builder.AddMiniProgramEndpoints();
builder.AddConsoleHealth();
builder.AddConsoleShell();

var app = builder.Build();

await app.PrepareDatabaseAsync();

app.UseConsolePipeline();
app.UseMiniProgramRateLimits();
app.MapConsoleHealth();
app.MapSignIn();
app.MapConsoleApi();
app.MapMiniProgramEndpoints();
app.MapConsoleShell();

app.Run();

/// <summary>Entry point, public so tests can host the console with WebApplicationFactory.</summary>
public partial class Program;
