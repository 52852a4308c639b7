using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using System.Net;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.Simulator;

public class EmbeddedSimulatorTests
{
    [Fact]
    public async Task In_Staging_the_simulator_and_its_control_API_are_not_there()
    {
        await using var host = new ConsoleHost(TestDatabases.NewSqlite(), new Dictionary<string, string?>
        {
            ["WeChat:Simulator:Enabled"] = null,
        }) { Environment = "Staging" }.Start();
        using var anonymous = host.CreateHttpClient();
        using var admin = host.CreateHttpClient(ConsoleHost.AdminApiToken);

        var control = await admin.GetAsync("sim/control/apps");
        var token = await admin.GetAsync("sim/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=s");
        var anonymousControl = await anonymous.GetAsync("sim/control/apps");

        Assert.Equal(HttpStatusCode.NotFound, control.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, token.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, anonymousControl.StatusCode);
    }

    [Fact]
    public async Task Switched_on_explicitly_the_simulator_answers_and_a_warning_says_so_at_start()
    {
        var log = new LogCapture();
        await using var host = new ConsoleHost(TestDatabases.NewSqlite(), new Dictionary<string, string?>
        {
            ["WeChat:Simulator:Enabled"] = "true",
        }, services => services.AddSingleton<ILoggerProvider>(log)) { Environment = "Staging" }.Start();
        using var anonymous = host.CreateHttpClient();

        var control = await anonymous.GetAsync("sim/control/apps");

        Assert.Equal(HttpStatusCode.OK, control.StatusCode);
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("WeChat simulator is ON", StringComparison.Ordinal));
    }
}
