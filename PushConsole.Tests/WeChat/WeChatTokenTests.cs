using Microsoft.EntityFrameworkCore;
using PushConsole.Accounts;
using PushConsole.Tests.Channels;
using PushConsole.Tests.Infrastructure;
using PushConsole.WeChat;

namespace PushConsole.Tests.WeChat;

/// <summary>Access tokens on one node: caching, single-flight refresh, supersede grace, expiry, invalidation.</summary>
public class WeChatTokenTests : WeChatTestBase
{
    [Fact]
    public async Task A_hundred_concurrent_sends_make_one_token_request()
    {
        var (app, template, openId) = MiniProgramWithGrantedUser(grants: 100);
        var client = ClientFor(app);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => Task.Run(() => client.SendSubscribeAsync(Subscribe(openId, template)))));

        Assert.All(outcomes, o => Assert.True(o.Succeeded, o.ToString()));
        Assert.Equal(1, Server.Calls(app.AppId, "stable_token"));
        Assert.Equal(0, Server.Calls(app.AppId, "token"));
        Assert.Equal(100, Sim.GetInbox(app.AppId, openId).Count);
    }

    [Fact]
    public async Task Classic_accounts_use_cgi_bin_token_and_later_sends_reuse_it()
    {
        var (app, template, openId) = MiniProgramWithGrantedUser(grants: 3);
        var client = ClientFor(app, TokenMode.Classic);

        for (var i = 0; i < 3; i++)
        {
            Assert.True((await client.SendSubscribeAsync(Subscribe(openId, template))).Succeeded);
        }

        Assert.Equal(1, Server.Calls(app.AppId, "token"));
        Assert.Equal(0, Server.Calls(app.AppId, "stable_token"));
    }

    [Fact]
    public async Task A_token_superseded_by_another_client_works_for_five_minutes_then_fails_once_and_is_refreshed()
    {
        var (app, template, openId) = MiniProgramWithGrantedUser(grants: 3);
        var client = ClientFor(app, TokenMode.Classic);
        Assert.True((await client.SendSubscribeAsync(Subscribe(openId, template))).Succeeded);

        // Someone outside the console (another server with the same AppSecret) fetches a token: ours is superseded.
        using (var other = new HttpClient())
        {
            var reply = await other.GetStringAsync($"{Server.ApiBaseUrl}/cgi-bin/token?grant_type=client_credential&appid={app.AppId}&secret={app.Secret}");
            Assert.Contains("access_token", reply);
        }
        var withinGrace = await client.SendSubscribeAsync(Subscribe(openId, template));
        Sim.AdvanceClock(TimeSpan.FromSeconds(301));
        var afterGrace = await client.SendSubscribeAsync(Subscribe(openId, template));

        Assert.True(withinGrace.Succeeded, withinGrace.ToString());
        Assert.True(afterGrace.Succeeded, afterGrace.ToString());
        Assert.Equal(1, Server.Errors(app.AppId, "subscribe_send", 40001));
        Assert.Equal(3, Server.Calls(app.AppId, "token"));
        Assert.Equal(3, Sim.GetInbox(app.AppId, openId).Count);
    }

    [Fact]
    public async Task A_token_WeChat_reports_expired_is_replaced_once_and_the_send_succeeds()
    {
        var (app, template, openId, client) = await AfterOneSendAsync(grants: 2);

        Sim.AdvanceClock(TimeSpan.FromSeconds(7201));
        var outcome = await client.SendSubscribeAsync(Subscribe(openId, template));

        Assert.True(outcome.Succeeded, outcome.ToString());
        Assert.Equal(1, Server.Errors(app.AppId, "subscribe_send", 42001));
        Assert.Equal(2, Server.Calls(app.AppId, "stable_token"));
    }

    [Theory]
    [InlineData(40001)]
    [InlineData(40014)]
    [InlineData(42001)]
    public async Task Each_token_refusal_makes_the_client_fetch_one_new_token_and_send_once_more(int errcode)
    {
        var (app, template, openId, client) = await AfterOneSendAsync(grants: 2);
        Sim.AddFault(new global::PushConsole.Simulator.FaultSpec { AppId = app.AppId, Api = "subscribe_send", Errcode = errcode, Count = 1 });

        var outcome = await client.SendSubscribeAsync(Subscribe(openId, template));

        Assert.True(outcome.Succeeded, outcome.ToString());
        Assert.Equal(1, Server.Errors(app.AppId, "subscribe_send", errcode));
        Assert.Equal(2, Server.TokenFetches(app.AppId));
        Assert.Equal(2, Sim.GetInbox(app.AppId, openId).Count);
    }

    [Fact]
    public async Task After_the_simulator_restarts_the_next_send_succeeds_with_one_new_token()
    {
        var (app, template, openId, client) = await AfterOneSendAsync(grants: 1);

        // A new process: the same app, template and user, but no memory of the token the console holds.
        await Server.RestartAsync();
        Sim.UpsertApp(new global::PushConsole.Simulator.AppSpec { AppId = app.AppId, Secret = app.Secret, Kind = "miniprogram" });
        Sim.DefineTemplate(app.AppId, new global::PushConsole.Simulator.TemplateSpec { TemplateId = template, Title = "预约提醒", Content = "服务:{{thing1.DATA}}\n时间:{{time2.DATA}}\n", Kind = "subscribe" });
        Sim.Grant(app.AppId, openId, template);
        var outcome = await client.SendSubscribeAsync(Subscribe(openId, template));

        Assert.True(outcome.Succeeded, outcome.ToString());
        // The old token, well formed but unknown now, is answered 40001 (counted under no app: the simulator cannot tell
        // whose it was); one new token, and the send made once more with it.
        Assert.Equal(1, Server.Errors("", "subscribe_send", 40001));
        Assert.Equal(1, Server.TokenFetches(app.AppId));
        Assert.Equal(1, Server.Calls(app.AppId, "subscribe_send"));
        Assert.Single(Sim.GetInbox(app.AppId, openId));
    }

    [Fact]
    public async Task A_token_that_keeps_failing_is_retried_once_per_attempt_and_reported_as_TokenInvalid()
    {
        var (app, template, openId) = MiniProgramWithGrantedUser();
        var client = ClientFor(app);
        Assert.True((await client.TestConnectionAsync()).Succeeded);
        Sim.AddFault(new global::PushConsole.Simulator.FaultSpec { AppId = app.AppId, Api = "subscribe_send", Errcode = 40001 });

        var outcome = await client.SendSubscribeAsync(Subscribe(openId, template));

        Assert.Equal(WeChatErrorKind.TokenInvalid, outcome.Kind);
        Assert.True(outcome.IsRetryable);
        Assert.Equal(2, Server.Calls(app.AppId, "subscribe_send"));
    }

    [Fact]
    public async Task A_token_is_replaced_in_its_last_minutes_so_that_no_send_meets_it_expired()
    {
        // The node's clock and the simulator's move together, by hand: WeChat's 7,200 s tokens, refreshed 5 minutes
        // ahead (WeChat:TokenRefreshAhead), without waiting for them.
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var node = await ConsoleNode.StartAsync(TestDatabases.NewSqlite(), time: clock);
        var (app, template, openId) = MiniProgramWithGrantedUser(grants: 5);
        var client = node.ClientFor(node.Account(Server, app));
        void Advance(TimeSpan by)
        {
            clock.Advance(by);
            Sim.AdvanceClock(by);
        }

        Assert.True((await client.SendSubscribeAsync(Subscribe(openId, template))).Succeeded);
        var sinceFetch = TimeSpan.Zero;
        for (var fetches = 2; fetches <= 3; fetches++)
        {
            // Two minutes before the token expires: the send goes with it and a new one is fetched beside it.
            Advance(TimeSpan.FromSeconds(7_200 - 120) - sinceFetch);
            var inTheLastMinutes = await client.SendSubscribeAsync(Subscribe(openId, template));
            await BroadcastTests.WaitUntilAsync(() => Task.FromResult(Server.TokenFetches(app.AppId) == fetches), 30);
            // Past the old token's end: the new one is in use, so WeChat refuses nothing.
            sinceFetch = TimeSpan.FromSeconds(180);
            Advance(sinceFetch);
            var afterItsEnd = await client.SendSubscribeAsync(Subscribe(openId, template));

            Assert.True(inTheLastMinutes.Succeeded, inTheLastMinutes.ToString());
            Assert.True(afterItsEnd.Succeeded, afterItsEnd.ToString());
        }

        Assert.Equal(0, Server.Errors(app.AppId, "subscribe_send", 42001));
        Assert.Equal(3, Server.TokenFetches(app.AppId));
        Assert.Equal(5, Sim.GetInbox(app.AppId, openId).Count);
    }

    [Fact]
    public async Task The_shared_token_is_stored_encrypted_with_its_version_and_no_lease()
    {
        var (app, template, openId) = MiniProgramWithGrantedUser();

        Assert.True((await ClientFor(app).SendSubscribeAsync(Subscribe(openId, template))).Succeeded);

        await using var db = TestDbContextFactory.For(Node.Database).CreateDbContext();
        var row = await db.AccessTokens.SingleAsync(t => t.AppId == app.AppId);
        var token = Sim.GetTokens(app.AppId).StableToken!;
        Assert.NotNull(row.TokenCipher);
        Assert.DoesNotContain(token, row.TokenCipher);
        Assert.Equal(1, row.Version);
        Assert.Null(row.LeaseHolder);
        Assert.InRange(row.ExpiresAt!.Value - row.FetchedAt!.Value, TimeSpan.FromSeconds(7100), TimeSpan.FromSeconds(7200));
    }

    [Fact]
    public async Task Test_connection_asks_WeChat_for_a_token_and_reports_its_lifetime()
    {
        var app = Server.NewApp("officialaccount");
        var stable = ClientFor(app);
        var classic = ClientFor(app, TokenMode.Classic);

        var stableCheck = await stable.TestConnectionAsync();
        var classicCheck = await classic.TestConnectionAsync();
        var again = await classic.TestConnectionAsync();

        Assert.True(stableCheck.Succeeded, stableCheck.ToString());
        Assert.Equal(TokenMode.Stable, stableCheck.Value.Mode);
        Assert.InRange(stableCheck.Value.ExpiresIn, TimeSpan.FromSeconds(7100), TimeSpan.FromSeconds(7200));
        Assert.True(classicCheck.Succeeded && again.Succeeded);
        Assert.Equal(TokenMode.Classic, classicCheck.Value.Mode);
        Assert.Equal(2, Server.Calls(app.AppId, "token"));
    }

    [Fact]
    public async Task Test_connection_reports_WeChats_refusal()
    {
        var app = Server.NewApp();
        var sameLengthWrongSecret = new string('x', app.Secret.Length);

        var check = await Node.ClientFor(Node.Account(Server, app with { Secret = sameLengthWrongSecret })).TestConnectionAsync();
        var unknownApp = await Node.ClientFor(Node.Account(Server, app with { AppId = "wx-not-registered" })).TestConnectionAsync();

        Assert.False(check.Succeeded);
        Assert.Equal(WeChatErrorKind.Configuration, check.Error.Kind);
        Assert.Equal(40001, check.Error.ErrCode);
        Assert.Equal(WeChatErrorKind.Configuration, unknownApp.Error!.Kind);
        Assert.Equal(40013, unknownApp.Error.ErrCode);
    }

    /// <summary>A mini program user with <paramref name="grants"/> grants, and a client that has sent them one message (so it holds a token).</summary>
    private async Task<(SimulatedApp App, string TemplateId, string OpenId, WeChatClient Client)> AfterOneSendAsync(int grants)
    {
        var (app, template, openId) = MiniProgramWithGrantedUser(grants);
        var client = ClientFor(app);
        var first = await client.SendSubscribeAsync(Subscribe(openId, template));
        Assert.True(first.Succeeded, first.ToString());
        return (app, template, openId, client);
    }
}
