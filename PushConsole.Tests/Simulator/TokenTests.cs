using PushConsole.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using static PushConsole.Tests.Infrastructure.SimulatorServer;

namespace PushConsole.Tests.Simulator;

public class TokenTests(SimulatorServer sim) : IClassFixture<SimulatorServer>
{
    [Fact]
    public async Task A_superseded_token_keeps_working_for_five_minutes_then_answers_40001()
    {
        var app = await sim.NewAppAsync("officialaccount");
        var first = await app.TokenAsync();
        var second = await app.TokenAsync();
        Assert.NotEqual(first, second);

        Assert.Equal(0, Errcode(await app.UserGetAsync(first)));
        await sim.AdvanceAsync(290);
        Assert.Equal(0, Errcode(await app.UserGetAsync(first)));
        await sim.AdvanceAsync(20);
        Assert.Equal(40001, Errcode(await app.UserGetAsync(first)));
        Assert.Equal(0, Errcode(await app.UserGetAsync(second)));
    }

    [Fact]
    public async Task A_token_past_its_lifetime_answers_42001()
    {
        var app = await sim.NewAppAsync("officialaccount", tokenLifetimeSeconds: 10);
        var reply = await sim.GetAsync($"cgi-bin/token?grant_type=client_credential&appid={app.AppId}&secret={app.Secret}");
        Assert.Equal(10, reply.GetProperty("expires_in").GetInt32());
        Assert.False(reply.TryGetProperty("errcode", out _));
        var token = reply.GetProperty("access_token").GetString()!;

        await sim.AdvanceAsync(9);
        Assert.Equal(0, Errcode(await app.UserGetAsync(token)));
        await sim.AdvanceAsync(2);
        Assert.Equal(42001, Errcode(await app.UserGetAsync(token)));
    }

    [Fact]
    public async Task Missing_and_garbled_access_tokens_answer_41001_and_40014()
    {
        Assert.Equal(41001, Errcode(await sim.GetAsync("cgi-bin/user/get")));
        Assert.Equal(41001, Errcode(await sim.GetAsync("cgi-bin/user/get?access_token=")));
        Assert.Equal(40014, Errcode(await sim.GetAsync("cgi-bin/user/get?access_token=not-a-token")));
    }

    [Fact]
    public async Task A_well_formed_token_that_was_never_issued_answers_40001_so_clients_refresh()
    {
        var app = await sim.NewAppAsync("officialaccount");
        var issued = await app.TokenAsync();
        // Same shape as an issued token (prefix, length, alphabet), but never issued: e.g. from before a restart.
        var neverIssued = issued[..4] + new string('A', issued.Length - 4);

        Assert.Equal(40001, Errcode(await app.UserGetAsync(neverIssued)));
        Assert.Equal(40014, Errcode(await app.UserGetAsync(issued[..^1])));
        Assert.Equal(40014, Errcode(await app.UserGetAsync(issued + "!")));
    }

    [Fact]
    public async Task A_mini_program_token_on_an_official_account_api_answers_48001_and_vice_versa()
    {
        var mp = await sim.NewAppAsync("miniprogram");
        var oa = await sim.NewAppAsync("officialaccount");
        var mpToken = await mp.TokenAsync();
        var oaToken = await oa.TokenAsync();

        Assert.Equal(48001, Errcode(await mp.UserGetAsync(mpToken)));
        Assert.Equal(48001, Errcode(await oa.SendTemplateAsync(mpToken, new { touser = "x", template_id = "y" })));
        Assert.Equal(48001, Errcode(await mp.SendSubscribeAsync(oaToken, new { touser = "x", template_id = "y", data = new { } })));
        Assert.Equal(48001, Errcode(await sim.GetAsync($"wxaapi/newtmpl/gettemplate?access_token={oaToken}")));
    }

    [Theory]
    [InlineData("grant_type=client_credential&secret=s", 41002)]
    [InlineData("grant_type=client_credential&appid=APP", 41004)]
    [InlineData("grant_type=authorization_code&appid=APP&secret=SECRET", 40002)]
    [InlineData("grant_type=client_credential&appid=wxunknown&secret=SECRET", 40013)]
    [InlineData("grant_type=client_credential&appid=APP&secret=WRONG_SAME_LENGTH", 40001)]
    [InlineData("grant_type=client_credential&appid=APP&secret=short", 40125)]
    public async Task The_token_endpoint_checks_appid_secret_and_grant_type(string query, int errcode)
    {
        var app = await sim.NewAppAsync("officialaccount");
        var wrong = new string('0', app.Secret.Length);
        query = query.Replace("APP", app.AppId).Replace("WRONG_SAME_LENGTH", wrong).Replace("SECRET", app.Secret);

        var reply = await sim.GetAsync("cgi-bin/token?" + query);

        Assert.Equal(errcode, Errcode(reply));
    }

    [Fact]
    public async Task Stable_token_returns_the_same_token_while_valid_and_is_isolated_from_cgi_bin_token()
    {
        var app = await sim.NewAppAsync("officialaccount");
        var a = await app.StableTokenAsync();
        var normal = await app.TokenAsync();
        await sim.AdvanceAsync(100);
        var b = await app.StableTokenAsync();

        var stable = a.GetProperty("access_token").GetString()!;
        Assert.Equal(stable, b.GetProperty("access_token").GetString());
        Assert.Equal(7200, a.GetProperty("expires_in").GetInt32());
        Assert.InRange(b.GetProperty("expires_in").GetInt32(), 7095, 7100);
        await app.TokenAsync(); // a newer normal token does not affect the stable one
        Assert.Equal(0, Errcode(await app.UserGetAsync(stable)));
        Assert.Equal(0, Errcode(await app.UserGetAsync(normal)));
    }

    [Fact]
    public async Task Stable_token_rotates_in_the_last_five_minutes_and_the_old_one_lives_until_its_expiry()
    {
        var app = await sim.NewAppAsync("officialaccount");
        var old = (await app.StableTokenAsync()).GetProperty("access_token").GetString()!;

        await sim.AdvanceAsync(7200 - 250);
        var rotated = await app.StableTokenAsync();
        var fresh = rotated.GetProperty("access_token").GetString()!;

        Assert.NotEqual(old, fresh);
        Assert.Equal(7200, rotated.GetProperty("expires_in").GetInt32());
        Assert.Equal(0, Errcode(await app.UserGetAsync(old)));
        await sim.AdvanceAsync(260);
        Assert.Equal(42001, Errcode(await app.UserGetAsync(old)));
        Assert.Equal(0, Errcode(await app.UserGetAsync(fresh)));
    }

    [Fact]
    public async Task Stable_token_force_refresh_needs_30_seconds_between_calls_and_stops_after_20_a_day()
    {
        // Start of a China day so the 20/day count cannot roll over mid-test.
        await sim.SetNowAsync(new DateTimeOffset(2030, 3, 1, 0, 30, 0, TimeSpan.FromHours(8)));
        var app = await sim.NewAppAsync("officialaccount");
        var initial = (await app.StableTokenAsync()).GetProperty("access_token").GetString()!;

        var forced = (await app.StableTokenAsync(force: true)).GetProperty("access_token").GetString()!;
        Assert.NotEqual(initial, forced);
        Assert.Equal(40001, Errcode(await app.UserGetAsync(initial))); // force invalidates the previous stable token
        var tooSoon = (await app.StableTokenAsync(force: true)).GetProperty("access_token").GetString()!;
        Assert.Equal(forced, tooSoon);

        var current = forced;
        for (var i = 2; i <= 20; i++)
        {
            await sim.AdvanceAsync(31);
            var next = (await app.StableTokenAsync(force: true)).GetProperty("access_token").GetString()!;
            Assert.NotEqual(current, next);
            current = next;
        }
        await sim.AdvanceAsync(31);
        var twentyFirst = (await app.StableTokenAsync(force: true)).GetProperty("access_token").GetString()!;
        Assert.Equal(current, twentyFirst);

        await sim.SetNowAsync(new DateTimeOffset(2030, 3, 2, 0, 30, 0, TimeSpan.FromHours(8)));
        var nextDay = (await app.StableTokenAsync(force: true)).GetProperty("access_token").GetString()!;
        Assert.NotEqual(current, nextDay);
    }

    [Fact]
    public async Task Counters_count_token_fetches_per_endpoint()
    {
        var app = await sim.NewAppAsync("officialaccount");
        await app.TokenAsync();
        await app.TokenAsync();
        await app.StableTokenAsync();
        await app.StableTokenAsync();

        var counters = await sim.GetAsync("control/counters");
        var mine = counters.GetProperty(app.AppId);

        Assert.Equal(2, mine.GetProperty("token").GetProperty("calls").GetInt64());
        Assert.Equal(2, mine.GetProperty("token").GetProperty("issued").GetInt64());
        Assert.Equal(2, mine.GetProperty("stable_token").GetProperty("ok").GetInt64());
        Assert.Equal(1, mine.GetProperty("stable_token").GetProperty("issued").GetInt64());
    }
}

/// <summary>The simulator on a <see cref="FakeTimeProvider"/> registered in its host: time moves only when a test moves it.</summary>
public sealed class FakeClockSimulatorServer : IAsyncLifetime
{
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2031, 3, 1, 2, 0, 0, TimeSpan.Zero));

    public SimulatorServer Server { get; }

    public FakeClockSimulatorServer() =>
        Server = new SimulatorServer { ConfigureBuilder = builder => builder.Services.AddSingleton<TimeProvider>(Clock) };

    public Task InitializeAsync() => Server.InitializeAsync();

    public Task DisposeAsync() => Server.DisposeAsync();
}

/// <summary>The 5-minute overlap of a superseded token runs on the simulator's TimeProvider (no control clock offset, no sleeps).</summary>
public class SupersededTokenClockTests(FakeClockSimulatorServer host) : IClassFixture<FakeClockSimulatorServer>
{
    [Fact]
    public async Task A_token_superseded_more_than_five_minutes_ago_by_the_TimeProvider_answers_40001_and_the_new_one_works()
    {
        var sim = host.Server;
        var app = await sim.NewAppAsync("officialaccount");
        var first = await app.TokenAsync();
        var second = await app.TokenAsync();

        host.Clock.Advance(TimeSpan.FromSeconds(299));
        var withinOverlap = Errcode(await app.UserGetAsync(first));
        host.Clock.Advance(TimeSpan.FromSeconds(2));
        var afterOverlap = await app.UserGetAsync(first);

        Assert.Equal(0, withinOverlap);
        Assert.Equal(40001, Errcode(afterOverlap));
        Assert.StartsWith("invalid credential, access_token is invalid or not latest", afterOverlap.GetProperty("errmsg").GetString());
        Assert.Equal(0, Errcode(await app.UserGetAsync(second)));
        Assert.Equal(0, (await sim.GetAsync("control/clock")).GetProperty("offset_seconds").GetDouble());
    }

    [Fact]
    public async Task Only_text_that_cannot_be_a_simulator_token_answers_40014()
    {
        var sim = host.Server;
        var app = await sim.NewAppAsync("officialaccount");
        var issued = await app.TokenAsync();
        var stable = (await app.StableTokenAsync()).GetProperty("access_token").GetString()!;

        // Well formed (SIMT or SIMS, then 104 characters of A-Z a-z 0-9 _ -) but never issued: 40001.
        Assert.Equal(40001, Errcode(await app.UserGetAsync("SIMT" + new string('x', 104))));
        Assert.Equal(40001, Errcode(await app.UserGetAsync("SIMS" + new string('-', 104))));
        // Anything else cannot be a token: 40014.
        Assert.Equal(40014, Errcode(await app.UserGetAsync("SIMX" + issued[4..])));
        Assert.Equal(40014, Errcode(await app.UserGetAsync(issued + "A")));
        Assert.Equal(40014, Errcode(await app.UserGetAsync(stable[..^1] + "*")));
        Assert.Equal(40014, Errcode(await app.UserGetAsync("78_" + issued[4..])));
    }
}
