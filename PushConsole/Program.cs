using PushConsole.Accounts;
using PushConsole.Api;
using PushConsole.Channels;
using PushConsole.Components;
using PushConsole.Health;
using PushConsole.Hosting;
using PushConsole.SignIn;

var builder = WebApplication.CreateBuilder(args);

builder.AddOperatorConfiguration();
builder.AddConsoleDatabase();
builder.AddConsoleScheduler();
builder.AddConsoleSignIn();
builder.AddConsoleApi();
builder.AddConsoleHealth();
builder.AddConsoleShell();
builder.AddAccounts();
builder.AddChannels();

var app = builder.Build();

await app.PrepareDatabaseAsync();

app.UseConsolePipeline();
app.MapConsoleHealth();
app.MapSignIn();
app.MapConsoleApi();
app.MapConsoleShell();

app.Run();

/// <summary>Entry point, public so tests can host the console with WebApplicationFactory.</summary>
public partial class Program;
