using PushConsole.Tests.Infrastructure;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using static PushConsole.Tests.Infrastructure.SimulatorServer;

namespace PushConsole.Tests.Simulator;

/// <summary>Fault injection, quotas, and the HTTP conventions every endpoint shares.</summary>
public partial class FaultAndProtocolTests(SimulatorServer sim) : IClassFixture<SimulatorServer>
{
    private async Task<(TestApp App, string Token, string User)> OfficialAccountAsync(Dictionary<string, long?>? quotas = null)
    {
        var app = await sim.NewAppAsync("officialaccount", quotas: quotas);
        await app.DefineTemplateAsync(new { template_id = "T", title = "通知", content = "{{keyword1.DATA}}" });
        await app.GenerateFollowersAsync(100);
        return (app, await app.TokenAsync(), await app.OpenIdAsync(7));
    }

    private static object Message(string touser) => new { touser, template_id = "T", data = new { keyword1 = new { value = "x" } } };

    [Fact]
    public async Task An_injected_errcode_with_a_count_fires_exactly_that_many_times()
    {
        var (app, token, user) = await OfficialAccountAsync();
        await sim.PostAsync("control/faults", new { appid = app.AppId, api = "template_send", errcode = -1, count = 2 });

        var codes = new List<int>();
        for (var i = 0; i < 4; i++) codes.Add(Errcode(await app.SendTemplateAsync(token, Message(user))));

        Assert.Equal([-1, -1, 0, 0], codes);
        Assert.Equal(2, await app.InboxCountAsync(user));
    }

    [Fact]
    public async Task An_errcode_rate_of_one_half_fails_about_half_of_the_calls_of_that_app_only()
    {
        var (app, token, _) = await OfficialAccountAsync();
        var (bystander, bystanderToken, _) = await OfficialAccountAsync();
        await sim.PostAsync("control/faults", new { appid = app.AppId, api = "/cgi-bin/user/get", errcode = 45009, rate = 0.5 });

        var failures = 0;
        for (var i = 0; i < 300; i++) if (Errcode(await app.UserGetAsync(token)) == 45009) failures++;

        Assert.InRange(failures, 90, 210);
        Assert.Equal(0, Errcode(await bystander.UserGetAsync(bystanderToken)));
    }

    [Fact]
    public async Task A_qps_cap_answers_45011_beyond_the_cap()
    {
        var (app, token, user) = await OfficialAccountAsync();
        await sim.PostAsync("control/faults", new { appid = app.AppId, api = "template_send", qps = 5 });

        var replies = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => app.SendTemplateAsync(token, Message(user))));
        var ok = replies.Count(r => Errcode(r) == 0);
        var limited = replies.Count(r => Errcode(r) == 45011);

        Assert.Equal(40, ok + limited);
        Assert.InRange(ok, 5, 15); // 5 per second; the burst may straddle a second or two
        Assert.Equal(ok, await app.InboxCountAsync(user));
    }

    [Fact]
    public async Task A_daily_quota_answers_45009_until_the_next_china_day()
    {
        await sim.SetNowAsync(new DateTimeOffset(2030, 5, 1, 23, 58, 0, TimeSpan.FromHours(8)));
        var (app, token, user) = await OfficialAccountAsync(new() { ["template_send"] = 3 });

        var codes = new List<int>();
        for (var i = 0; i < 4; i++) codes.Add(Errcode(await app.SendTemplateAsync(token, Message(user))));
        Assert.Equal([0, 0, 0, 45009], codes);

        await sim.AdvanceAsync(180);
        Assert.Equal(0, Errcode(await app.SendTemplateAsync(token, Message(user))));
        var quotas = await sim.GetAsync($"control/apps/{app.AppId}/quotas");
        Assert.Equal(1, quotas.GetProperty("used_today").GetProperty("template_send").GetInt64());
    }

    [Fact]
    public async Task A_fault_daily_quota_and_the_token_endpoints_default_quota_apply()
    {
        var (app, token, _) = await OfficialAccountAsync();
        await sim.PostAsync("control/faults", new { appid = app.AppId, api = "user_get", daily_quota = 2 });

        Assert.Equal(0, Errcode(await app.UserGetAsync(token)));
        Assert.Equal(0, Errcode(await app.UserGetAsync(token)));
        Assert.Equal(45009, Errcode(await app.UserGetAsync(token)));

        var tight = await sim.NewAppAsync("officialaccount", quotas: new() { ["token"] = 1 });
        await tight.TokenAsync();
        var second = await sim.GetAsync($"cgi-bin/token?grant_type=client_credential&appid={tight.AppId}&secret={tight.Secret}");
        Assert.Equal(45009, Errcode(second));
    }

    [Fact]
    public async Task Latency_and_an_ip_whitelist_fault_on_the_token_endpoint_look_like_wechat()
    {
        var app = await sim.NewAppAsync("officialaccount");
        await sim.PostAsync("control/faults", new { appid = app.AppId, api = "token", errcode = 40164, latency_ms = 300, count = 1 });

        var watch = Stopwatch.StartNew();
        var reply = await sim.GetAsync($"cgi-bin/token?grant_type=client_credential&appid={app.AppId}&secret={app.Secret}");
        watch.Stop();

        Assert.Equal(40164, Errcode(reply));
        Assert.Matches(@"^invalid ip [0-9.]+ ipv6 ::ffff:[0-9.]+, not in whitelist rid: ", reply.GetProperty("errmsg").GetString());
        Assert.True(watch.ElapsedMilliseconds >= 280, $"took {watch.ElapsedMilliseconds} ms");
        Assert.False(string.IsNullOrEmpty(await app.TokenAsync())); // count exhausted: the next call succeeds
    }

    [Fact]
    public async Task Clearing_faults_restores_normal_answers()
    {
        var (app, token, user) = await OfficialAccountAsync();
        var fault = await sim.PostAsync("control/faults", new { appid = app.AppId, errcode = -1 });
        Assert.Equal(-1, Errcode(await app.SendTemplateAsync(token, Message(user))));

        var removed = await sim.Http.DeleteAsync("control/faults/" + fault.GetProperty("id").GetString());
        removed.EnsureSuccessStatusCode();

        Assert.Equal(0, Errcode(await app.SendTemplateAsync(token, Message(user))));
    }

    [Fact]
    public async Task A_get_on_a_post_api_answers_43002()
    {
        var (_, token, _) = await OfficialAccountAsync();

        Assert.Equal(43002, Errcode(await sim.GetAsync($"cgi-bin/message/template/send?access_token={token}")));
        Assert.Equal(43002, Errcode(await sim.GetAsync($"cgi-bin/message/subscribe/send?access_token={token}")));
        Assert.Equal(43002, Errcode(await sim.GetAsync("cgi-bin/stable_token")));
    }

    [Theory]
    [InlineData("{bad json")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"touser\":\"x\"} trailing")]
    [InlineData("\"just a string\"")]
    public async Task A_body_that_is_not_a_json_object_answers_47001(string body)
    {
        var (app, token, _) = await OfficialAccountAsync();

        var reply = await sim.PostTextAsync($"cgi-bin/message/template/send?access_token={token}", body);

        Assert.Equal(47001, Errcode(reply));
        Assert.Equal(0, (await sim.GetAsync($"control/apps/{app.AppId}/deliveries/count")).GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task An_empty_post_body_answers_44002()
    {
        var (_, token, _) = await OfficialAccountAsync();

        using var response = await sim.Http.PostAsync($"cgi-bin/message/template/send?access_token={token}", new ByteArrayContent([]));
        var reply = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(44002, Errcode(reply));
        Assert.Equal(44002, Errcode(await sim.PostTextAsync("cgi-bin/stable_token", "")));
    }

    [Fact]
    public async Task Errors_come_with_http_200_json_and_an_errmsg_ending_in_a_rid()
    {
        using var response = await sim.Http.GetAsync("cgi-bin/user/get?access_token=garbled");
        var text = await response.Content.ReadAsStringAsync();
        var reply = System.Text.Json.JsonDocument.Parse(text).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(40014, reply.GetProperty("errcode").GetInt32());
        Assert.Matches(RidSuffix(), reply.GetProperty("errmsg").GetString()!);
    }

    [Fact]
    public async Task An_unknown_api_path_answers_40066()
    {
        Assert.Equal(40066, Errcode(await sim.GetAsync("cgi-bin/no/such/api")));
    }

    [Fact]
    public async Task A_body_over_the_size_limit_answers_45002()
    {
        var (_, token, user) = await OfficialAccountAsync();
        var huge = "{\"touser\":\"" + user + "\",\"template_id\":\"T\",\"pad\":\"" + new string('x', 1_100_000) + "\"}";

        var reply = await sim.PostTextAsync($"cgi-bin/message/template/send?access_token={token}", huge);

        Assert.Equal(45002, Errcode(reply));
    }

    [Fact]
    public async Task Escaped_and_unescaped_chinese_are_both_accepted()
    {
        var (app, token, user) = await OfficialAccountAsync();
        var body = "{\"touser\":\"" + user + "\",\"template_id\":\"T\",\"data\":{\"keyword1\":{\"value\":\"\\u53d1\\u8d27 已发货\"}}}";

        Assert.Equal(0, Errcode(await sim.PostTextAsync($"cgi-bin/message/template/send?access_token={token}", body)));
        var message = (await app.InboxAsync(user)).GetProperty("messages")[0];
        Assert.Equal("发货 已发货", message.GetProperty("data").GetProperty("keyword1").GetString());
    }

    [Fact]
    public async Task Counters_count_sends_by_app_api_and_errcode()
    {
        var (app, token, user) = await OfficialAccountAsync();
        await app.SendTemplateAsync(token, Message(user));
        await app.SendTemplateAsync(token, Message(user));
        await app.SendTemplateAsync(token, Message("oStranger"));

        var counters = await sim.GetAsync("control/counters");
        var sends = counters.GetProperty(app.AppId).GetProperty("template_send");

        Assert.Equal(3, sends.GetProperty("calls").GetInt64());
        Assert.Equal(2, sends.GetProperty("ok").GetInt64());
        Assert.Equal(1, sends.GetProperty("errors").GetProperty("40003").GetInt64()); // oStranger: never an openid of the account
    }

    [Fact]
    public async Task Delivery_counts_find_recipients_who_got_a_template_more_than_once()
    {
        var (app, token, _) = await OfficialAccountAsync();
        await app.DefineTemplateAsync(new { template_id = "OTHER", title = "其他", content = "{{keyword1.DATA}}" });
        var users = new List<string>();
        for (var i = 0; i < 100; i++) users.Add(await app.OpenIdAsync(i));
        await Task.WhenAll(users.Select(u => app.SendTemplateAsync(token, Message(u))));
        foreach (var u in users.Take(3)) await app.SendTemplateAsync(token, Message(u));
        await app.SendTemplateAsync(token, new { touser = users[50], template_id = "OTHER", data = new { keyword1 = new { value = "y" } } });

        var counts = await sim.GetAsync($"control/apps/{app.AppId}/deliveries/count?template_id=T");

        Assert.Equal(104, counts.GetProperty("total").GetInt64());
        Assert.Equal(103, counts.GetProperty("template_total").GetInt64());
        Assert.Equal(100, counts.GetProperty("template_recipients").GetInt32());
        Assert.Equal(3, counts.GetProperty("recipients_with_duplicates").GetInt32());
        Assert.Equal(100, counts.GetProperty("distinct_recipients").GetInt32());
    }

    [GeneratedRegex(@" rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$")]
    private static partial Regex RidSuffix();
}
