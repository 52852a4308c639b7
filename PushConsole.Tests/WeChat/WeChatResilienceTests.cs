using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using PushConsole.Accounts;
using PushConsole.Persistence;
using PushConsole.Simulator;
using PushConsole.Tests.Infrastructure;
using PushConsole.WeChat;

namespace PushConsole.Tests.WeChat;

/// <summary>Retries of transient failures, timeouts and configuration failures (the send rate: SendRateLimiterTests).</summary>
public class WeChatResilienceTests : WeChatTestBase
{
    [Fact]
    public async Task System_busy_is_retried_with_backoff_and_the_send_succeeds_once_the_fault_clears()
    {
        var (app, template, openId) = MiniProgramWithGrantedUser();
        Sim.AddFault(new FaultSpec { AppId = app.AppId, Api = "subscribe_send", Errcode = -1, Count = 2 });

        var outcome = await ClientFor(app).SendSubscribeAsync(Subscribe(openId, template));

        Assert.True(outcome.Succeeded, outcome.ToString());
        Assert.Equal(3, Server.Calls(app.AppId, "subscribe_send"));
        Assert.Equal(2, Server.Errors(app.AppId, "subscribe_send", -1));
        Assert.Single(Sim.GetInbox(app.AppId, openId));
    }

    [Fact]
    public async Task Lasting_system_busy_ends_as_Transient_after_the_configured_attempts()
    {
        var (app, template, openId) = MiniProgramWithGrantedUser();
        Sim.AddFault(new FaultSpec { AppId = app.AppId, Api = "subscribe_send", Errcode = -1 });

        var outcome = await ClientFor(app).SendSubscribeAsync(Subscribe(openId, template));

        Assert.Equal(WeChatErrorKind.Transient, outcome.Kind);
        Assert.Equal(-1, outcome.Error!.ErrCode);
        Assert.True(outcome.IsRetryable);
        Assert.Equal(1 + 3, Server.Calls(app.AppId, "subscribe_send"));
        Assert.Empty(Sim.GetInbox(app.AppId, openId));
    }

    [Fact]
    public async Task HTTP_server_errors_are_Transient_and_retried_until_WeChat_answers()
    {
        var (app, template, openId) = MiniProgramWithGrantedUser();
        var client = ClientFor(app);
        Assert.True((await client.SendSubscribeAsync(Subscribe(openId, template))).Succeeded);
        Sim.Grant(app.AppId, openId, template);

        Server.FailNextRequests(2, status: 502);
        var outcome = await client.SendSubscribeAsync(Subscribe(openId, template));

        Assert.True(outcome.Succeeded, outcome.ToString());
        Assert.Equal(2, Sim.GetInbox(app.AppId, openId).Count);
    }

    [Fact]
    public async Task An_HTTP_error_that_outlasts_the_retries_is_Transient_with_the_status()
    {
        var (app, template, openId) = MiniProgramWithGrantedUser();
        var client = ClientFor(app);
        Assert.True((await client.SendSubscribeAsync(Subscribe(openId, template))).Succeeded);

        Server.FailNextRequests(100, status: 503);
        var outcome = await client.SendSubscribeAsync(Subscribe(openId, template));
        Server.FailNextRequests(0);

        Assert.Equal(WeChatErrorKind.Transient, outcome.Kind);
        Assert.Contains("503", outcome.Error!.ErrMsg);
    }

    [Fact]
    public async Task A_wrong_API_host_path_is_a_Configuration_failure()
    {
        var app = Server.NewApp();
        var account = Node.Account(Server, app);
        account.ApiBaseUrl = Server.ApiBaseUrl + "/not-wechat";

        var outcome = await Node.ClientFor(account).SendSubscribeAsync(Subscribe("o-user", "t"));

        Assert.Equal(WeChatErrorKind.Configuration, outcome.Kind);
        Assert.Contains("404", outcome.Error!.ErrMsg);
    }

    [Fact]
    public async Task A_host_that_refuses_connections_is_Transient()
    {
        var app = Server.NewApp();
        var account = Node.Account(Server, app);
        account.ApiBaseUrl = $"http://127.0.0.1:{ClosedPort()}/";

        var outcome = await Node.ClientFor(account).SendSubscribeAsync(Subscribe("o-user", "t"));

        Assert.Equal(WeChatErrorKind.Transient, outcome.Kind);
        Assert.StartsWith("network", outcome.Error!.ErrMsg);
    }

    [Fact]
    public async Task A_wrong_secret_is_a_Configuration_failure_held_briefly_so_sends_do_not_each_ask_for_a_token()
    {
        var (app, template, openId) = MiniProgramWithGrantedUser();
        var client = Node.ClientFor(Node.Account(Server, app with { Secret = "wrong-secret" }));

        var outcomes = new List<SendOutcome>();
        for (var i = 0; i < 5; i++)
        {
            outcomes.Add(await client.SendSubscribeAsync(Subscribe(openId, template)));
        }

        Assert.All(outcomes, o => Assert.Equal(WeChatErrorKind.Configuration, o.Kind));
        Assert.Equal(40125, outcomes[0].Error!.ErrCode);
        Assert.Equal(1, Server.TokenFetches(app.AppId));
        Assert.Equal(0, Server.Calls(app.AppId, "subscribe_send"));
    }

    [Fact]
    public async Task A_caller_IP_outside_the_whitelist_is_a_Configuration_failure()
    {
        var (app, template, openId) = MiniProgramWithGrantedUser();
        Sim.AddFault(new FaultSpec { AppId = app.AppId, Api = "stable_token", Errcode = 40164 });

        var outcome = await ClientFor(app).SendSubscribeAsync(Subscribe(openId, template));

        Assert.Equal(WeChatErrorKind.Configuration, outcome.Kind);
        Assert.Equal(40164, outcome.Error!.ErrCode);
        Assert.Contains("whitelist", outcome.Error.ErrMsg);
    }

    [Fact]
    public async Task An_API_of_the_other_account_kind_is_a_Configuration_failure()
    {
        var miniProgram = Server.NewApp();

        var followers = await ClientFor(miniProgram).GetFollowersAsync();

        Assert.False(followers.Succeeded);
        Assert.Equal(WeChatErrorKind.Configuration, followers.Error.Kind);
        Assert.Equal(48001, followers.Error.ErrCode);
    }

    [Fact]
    public async Task Invalid_client_settings_stop_start_up_naming_the_key()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["WeChat:AttemptTimeout"] = "00:00:00",
            ["WeChat:MaxRetries"] = "50",
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddPushConsoleDatabase(TestDatabases.NewSqlite());
        services.AddWeChatClient(configuration);
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("WeChat:AttemptTimeout", error.Message);
        Assert.Contains("WeChat:MaxRetries", error.Message);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Per-attempt timeouts need a short attempt timeout and a slow simulator.</summary>
public class WeChatTimeoutTests : WeChatTestBase
{
    protected override IDictionary<string, string?> NodeSettings => new Dictionary<string, string?>
    {
        ["WeChat:AttemptTimeout"] = "00:00:01",
        ["WeChat:MaxRetries"] = "1",
        ["WeChat:TokenLeaseDuration"] = "00:00:05",
    };

    [Fact]
    public async Task An_answer_slower_than_the_attempt_timeout_is_a_Transient_timeout_after_bounded_attempts()
    {
        var (app, template, openId) = MiniProgramWithGrantedUser();
        var client = ClientFor(app);
        await WarmUpAsync(client);
        Sim.AddFault(new FaultSpec { AppId = app.AppId, Api = "subscribe_send", LatencyMs = 4000 });

        var outcome = await client.SendSubscribeAsync(Subscribe(openId, template));

        Assert.Equal(WeChatErrorKind.Transient, outcome.Kind);
        Assert.Contains("no answer within", outcome.Error!.ErrMsg);
    }

    [Fact]
    public async Task A_send_succeeds_after_a_slow_answer_once_WeChat_is_fast_again()
    {
        // The slow requests still complete at the simulator after the client gave up, spending grants.
        var (app, template, openId) = MiniProgramWithGrantedUser(grants: 5);
        var client = ClientFor(app);
        await WarmUpAsync(client);
        var fault = Sim.AddFault(new FaultSpec { AppId = app.AppId, Api = "subscribe_send", LatencyMs = 4000 });
        var slow = await client.SendSubscribeAsync(Subscribe(openId, template));
        Sim.RemoveFault(fault.Id);

        var fast = await client.SendSubscribeAsync(Subscribe(openId, template));

        Assert.Equal(WeChatErrorKind.Transient, slow.Kind);
        Assert.True(fast.Succeeded, fast.ToString());
    }

    // The first call of a test run pays for JIT and connection set-up, which may exceed a one-second timeout on a
    // busy machine; the tests are about the send that follows.
    private static async Task WarmUpAsync(WeChatClient client)
    {
        for (var i = 0; i < 5 && !(await client.TestConnectionAsync()).Succeeded; i++)
        {
        }
    }
}

/// <summary>The console itself registers the client (its settings are checked at start: Foundation.StartupTests).</summary>
public class WeChatHostingTests
{
    [Fact]
    public async Task The_console_offers_the_WeChat_client_factory()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);

        Assert.NotNull(host.Services.GetRequiredService<IWeChatClientFactory>());
    }
}
