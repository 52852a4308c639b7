using PushConsole.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using static PushConsole.Tests.Infrastructure.SimulatorServer;

namespace PushConsole.Tests.Simulator;

/// <summary>The simulator mounted in a host that, like the console, requires sign-in by default and checks antiforgery.</summary>
public sealed class GuardedSimulatorServer : IAsyncLifetime
{
    public SimulatorServer Server { get; } = new()
    {
        ConfigureBuilder = builder =>
        {
            builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie();
            builder.Services.AddAuthorization(o => o.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
            builder.Services.AddAntiforgery();
        },
        ConfigurePipeline = app =>
        {
            app.UseAuthentication();
            app.UseAuthorization();
            app.UseAntiforgery();
            app.MapPost("/sim-private", () => "not for anonymous callers");
        },
    };

    public Task InitializeAsync() => Server.InitializeAsync();

    public Task DisposeAsync() => Server.DisposeAsync();
}

public class MountingTests(GuardedSimulatorServer guarded) : IClassFixture<GuardedSimulatorServer>
{
    private SimulatorServer Sim => guarded.Server;

    [Fact]
    public async Task Simulator_endpoints_answer_anonymous_callers_under_a_fallback_policy_and_antiforgery()
    {
        var root = new Uri(Sim.BaseAddress, "/");
        using var plain = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = root };
        var guardedResponse = await plain.PostAsync("sim-private", new StringContent("x"));
        Assert.NotEqual(HttpStatusCode.OK, guardedResponse.StatusCode); // the fallback policy is really on

        var app = await Sim.NewAppAsync("officialaccount");
        await app.DefineTemplateAsync(new { template_id = "T", title = "通知", content = "{{keyword1.DATA}}" });
        await app.GenerateFollowersAsync(1);
        var token = await app.TokenAsync();
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["a"] = "b" });
        var formPost = await plain.PostAsync($"sim/cgi-bin/message/template/send?access_token={token}", form);
        var reply = await app.SendTemplateAsync(token, new { touser = await app.OpenIdAsync(0), template_id = "T", data = new { keyword1 = new { value = "x" } } });

        Assert.Equal(HttpStatusCode.OK, formPost.StatusCode);
        Assert.Equal(47001, (await formPost.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("errcode").GetInt32());
        Assert.Equal(0, Errcode(reply));
        Assert.Equal(1, await app.InboxCountAsync(await app.OpenIdAsync(0)));
    }
}

public class ResetTests(SimulatorServer sim) : IClassFixture<SimulatorServer>
{
    [Fact]
    public async Task Reset_forgets_apps_tokens_faults_and_the_clock_offset()
    {
        var app = await sim.NewAppAsync("officialaccount");
        var token = await app.TokenAsync();
        await sim.PostAsync("control/faults", new { errcode = -1 });
        await sim.AdvanceAsync(3600);

        await sim.PostAsync("control/reset", new { });

        using var missing = await sim.Http.GetAsync($"control/apps/{app.AppId}");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        // A token from before the reset is well formed but unknown now: 40001, as after a restart.
        Assert.Equal(40001, Errcode(await sim.GetAsync($"cgi-bin/user/get?access_token={token}")));
        Assert.Empty((await sim.GetAsync("control/faults")).EnumerateArray());
        Assert.InRange((await sim.GetAsync("control/clock")).GetProperty("offset_seconds").GetDouble(), -1, 1);
    }
}

public sealed class StoppedClockSimulatorServer : IAsyncLifetime
{
    public static readonly DateTimeOffset Instant = new(2031, 7, 1, 8, 0, 0, TimeSpan.Zero);

    public SimulatorServer Server { get; } = new()
    {
        // A host clock stopped at a fixed instant: nothing advances it.
        ConfigureBuilder = builder => builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider(Instant)),
    };

    public Task InitializeAsync() => Server.InitializeAsync();

    public Task DisposeAsync() => Server.DisposeAsync();
}

public class HostClockTests(StoppedClockSimulatorServer host) : IClassFixture<StoppedClockSimulatorServer>
{
    [Fact]
    public async Task The_simulator_runs_on_the_hosts_TimeProvider_plus_the_control_offset()
    {
        var sim = host.Server;
        var app = await sim.NewAppAsync("officialaccount", tokenLifetimeSeconds: 60);
        var token = await app.TokenAsync();

        var clock = await sim.GetAsync("control/clock");
        Assert.Equal(StoppedClockSimulatorServer.Instant, clock.GetProperty("now").GetDateTimeOffset());
        await Task.Delay(1100); // the host clock is stopped: real time passing changes nothing
        Assert.Equal(0, Errcode(await app.UserGetAsync(token)));

        await sim.AdvanceAsync(61);
        Assert.Equal(StoppedClockSimulatorServer.Instant.AddSeconds(61), (await sim.GetAsync("control/clock")).GetProperty("now").GetDateTimeOffset());
        Assert.Equal(42001, Errcode(await app.UserGetAsync(token)));
    }
}
