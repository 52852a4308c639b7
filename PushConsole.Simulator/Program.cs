using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace PushConsole.Simulator;

// A named entry point: a top-level Program would clash with the console's own Program type.
public static class SimulatorProgram
{
    public static void Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var app = builder.Build();
        app.MapGet("/", () => "WeChat simulator");
        app.Run();
    }
}
