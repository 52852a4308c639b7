using PushConsole.Tests.Infrastructure;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static PushConsole.Tests.Infrastructure.SimulatorServer;

namespace PushConsole.Tests.Simulator;

/// <summary>Official account template messages and follower paging.</summary>
public class OfficialAccountTests(SimulatorServer sim) : IClassFixture<SimulatorServer>
{
    private async Task<(TestApp App, string Token)> OfficialAccountAsync(int followers = 10)
    {
        var app = await sim.NewAppAsync("officialaccount");
        await app.DefineTemplateAsync(new
        {
            template_id = "ORDER", title = "订单状态提醒",
            content = "{{first.DATA}}\n订单号:{{character_string1.DATA}}\n状态:{{keyword2.DATA}}\n{{remark.DATA}}",
        });
        await app.GenerateFollowersAsync(followers);
        await sim.PostAsync($"control/apps/{app.AppId}/miniprograms", new { appid = BoundMiniProgram });
        return (app, await app.TokenAsync());
    }

    /// <summary>The mini program the messages below open, bound to every official account of these tests.</summary>
    private const string BoundMiniProgram = "wxmini0001";

    private static object Message(string touser, string? clientMsgId = null, string status = "已发货") => new
    {
        touser,
        template_id = "ORDER",
        url = "https://example.com/orders/1",
        miniprogram = new { appid = BoundMiniProgram, pagepath = "pages/order?id=1" },
        client_msg_id = clientMsgId,
        data = new
        {
            first = new { value = "您好" },
            character_string1 = new { value = "SO2024" },
            keyword2 = new { value = status, color = "#173177" },
            remark = new { value = "谢谢" },
        },
    };

    [Fact]
    public async Task A_repeated_client_msg_id_returns_the_same_msgid_and_delivers_once()
    {
        var (app, token) = await OfficialAccountAsync();
        var user = await app.OpenIdAsync(1);
        var other = await app.OpenIdAsync(2);

        var first = await app.SendTemplateAsync(token, Message(user, "order-1-shipped"));
        var repeat = await app.SendTemplateAsync(token, Message(user, "order-1-shipped"));
        var otherUser = await app.SendTemplateAsync(token, Message(other, "order-1-shipped"));
        var otherId = await app.SendTemplateAsync(token, Message(user, "order-1-delivered"));

        Assert.Equal(0, Errcode(first));
        Assert.Equal(0, Errcode(repeat));
        Assert.Equal(first.GetProperty("msgid").GetInt64(), repeat.GetProperty("msgid").GetInt64());
        Assert.NotEqual(first.GetProperty("msgid").GetInt64(), otherUser.GetProperty("msgid").GetInt64());
        Assert.NotEqual(first.GetProperty("msgid").GetInt64(), otherId.GetProperty("msgid").GetInt64());
        Assert.Equal(2, await app.InboxCountAsync(user));
        Assert.Equal(1, await app.InboxCountAsync(other));
    }

    [Fact]
    public async Task Client_msg_id_deduplication_holds_for_thousands_of_messages_sent_concurrently()
    {
        const int n = 5000;
        var (app, token) = await OfficialAccountAsync(followers: n);
        var users = Enumerable.Range(0, n).Select(i => WeChatSimulatorIds.OpenId(app.AppId, i)).ToArray();

        async Task<long[]> SendAll() => await Task.WhenAll(Enumerable.Range(0, n).Select(async i =>
        {
            var reply = await app.SendTemplateAsync(token, Message(users[i], "bulk-" + i));
            Assert.Equal(0, Errcode(reply));
            return reply.GetProperty("msgid").GetInt64();
        }));

        var first = await SendAll();
        var again = await SendAll();

        Assert.Equal(first, again);
        Assert.Equal(n, first.Distinct().Count());
        var counts = await sim.GetAsync($"control/apps/{app.AppId}/deliveries/count?template_id=ORDER");
        Assert.Equal(n, counts.GetProperty("total").GetInt64());
        Assert.Equal(0, counts.GetProperty("recipients_with_duplicates").GetInt32());
    }

    [Fact]
    public async Task A_client_msg_id_is_forgotten_after_ten_minutes()
    {
        var (app, token) = await OfficialAccountAsync();
        var user = await app.OpenIdAsync(3);

        var first = await app.SendTemplateAsync(token, Message(user, "again"));
        await sim.AdvanceAsync(601);
        token = await app.TokenAsync();
        var later = await app.SendTemplateAsync(token, Message(user, "again"));

        Assert.NotEqual(first.GetProperty("msgid").GetInt64(), later.GetProperty("msgid").GetInt64());
        Assert.Equal(2, await app.InboxCountAsync(user));
    }

    [Fact]
    public async Task Sending_to_a_user_who_followed_and_left_answers_43004()
    {
        var (app, token) = await OfficialAccountAsync();
        var leaving = await app.OpenIdAsync(4);
        await sim.PostAsync($"control/apps/{app.AppId}/followers", new { openids = new[] { "oNamedLeaver" } });

        Assert.Equal(0, Errcode(await app.SendTemplateAsync(token, Message(leaving))));
        (await sim.Http.DeleteAsync($"control/apps/{app.AppId}/followers/{leaving}")).EnsureSuccessStatusCode();
        (await sim.Http.DeleteAsync($"control/apps/{app.AppId}/followers/oNamedLeaver")).EnsureSuccessStatusCode();
        Assert.Equal(43004, Errcode(await app.SendTemplateAsync(token, Message(leaving))));
        Assert.Equal(43004, Errcode(await app.SendTemplateAsync(token, Message("oNamedLeaver"))));

        await sim.PostAsync($"control/apps/{app.AppId}/followers", new { openids = new[] { leaving, "oNamedFan" } });
        Assert.Equal(0, Errcode(await app.SendTemplateAsync(token, Message(leaving))));
        Assert.Equal(0, Errcode(await app.SendTemplateAsync(token, Message("oNamedFan"))));
    }

    [Fact]
    public async Task Sending_to_an_openid_the_account_never_issued_answers_40003_not_43004()
    {
        var (app, token) = await OfficialAccountAsync();

        Assert.Equal(40003, Errcode(await app.SendTemplateAsync(token, Message("oNeverFollowed"))));
        Assert.Equal(40003, Errcode(await app.SendTemplateAsync(token, Message(await app.OpenIdAsync(10))))); // beyond generated range
        var sends = (await sim.GetAsync("control/counters")).GetProperty(app.AppId).GetProperty("template_send");
        Assert.Equal(2, sends.GetProperty("errors").GetProperty("40003").GetInt64());
        Assert.False(sends.GetProperty("errors").TryGetProperty("43004", out _));
    }

    [Fact]
    public async Task A_template_message_may_open_only_a_mini_program_bound_to_the_account()
    {
        var (app, token) = await OfficialAccountAsync();
        var mp = await sim.NewAppAsync("miniprogram");
        await sim.PostAsync($"control/apps/{mp.AppId}", new { pages = new[] { "pages/order" } });
        var (otherAccount, _) = await OfficialAccountAsync();
        var user = await app.OpenIdAsync(1);
        object Opening(string miniProgram, string page = "pages/order?id=1") => new
        {
            touser = user, template_id = "ORDER", miniprogram = new { appid = miniProgram, pagepath = page },
            data = new { character_string1 = new { value = "SO2024" } },
        };

        var unbound = await app.SendTemplateAsync(token, Opening(mp.AppId));
        var bound = (await sim.PostAsync($"control/apps/{app.AppId}/miniprograms", new { appid = mp.AppId })).GetProperty("miniprograms");
        var afterBinding = await app.SendTemplateAsync(token, Opening(mp.AppId));
        var unreleasedPage = await app.SendTemplateAsync(token, Opening(mp.AppId, "pages/draft/index"));
        var unbind = await sim.Http.DeleteAsync($"control/apps/{app.AppId}/miniprograms/{mp.AppId}");
        var afterUnbinding = await app.SendTemplateAsync(token, Opening(mp.AppId));
        var bindAnAccount = await sim.Http.PostAsJsonAsync($"control/apps/{app.AppId}/miniprograms", new { appid = otherAccount.AppId });
        var bindToAMiniProgram = await sim.Http.PostAsJsonAsync($"control/apps/{mp.AppId}/miniprograms", new { appid = BoundMiniProgram });

        Assert.Equal(40013, Errcode(unbound));
        Assert.StartsWith("invalid appid", unbound.GetProperty("errmsg").GetString());
        Assert.Equal(new[] { BoundMiniProgram, mp.AppId }.Order(StringComparer.Ordinal), bound.EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal(0, Errcode(afterBinding));
        Assert.Equal(40165, Errcode(unreleasedPage));
        Assert.Equal(mp.AppId, (await app.InboxAsync(user)).GetProperty("messages")[0].GetProperty("miniprogram_appid").GetString());
        unbind.EnsureSuccessStatusCode();
        Assert.Equal(40013, Errcode(afterUnbinding));
        Assert.Equal(HttpStatusCode.BadRequest, bindAnAccount.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bindToAMiniProgram.StatusCode);
        Assert.Equal(1, await app.InboxCountAsync(user));
    }

    [Fact]
    public async Task An_openid_of_another_app_an_empty_touser_and_an_unknown_template_are_rejected()
    {
        var (app, token) = await OfficialAccountAsync();
        var mp = await sim.NewAppAsync("miniprogram");
        await sim.PostAsync($"control/apps/{mp.AppId}/codes", new { openid = "oMiniProgramUser" });
        var (other, _) = await OfficialAccountAsync();

        Assert.Equal(40003, Errcode(await app.SendTemplateAsync(token, Message(await other.OpenIdAsync(1)))));
        Assert.Equal(40003, Errcode(await app.SendTemplateAsync(token, Message("oMiniProgramUser"))));
        Assert.Equal(40003, Errcode(await app.SendTemplateAsync(token, Message(""))));
        var unknownTemplate = new { touser = await app.OpenIdAsync(1), template_id = "NOPE", data = new { } };
        Assert.Equal(40037, Errcode(await app.SendTemplateAsync(token, unknownTemplate)));
    }

    [Fact]
    public async Task The_inbox_keeps_url_miniprogram_and_data_and_renders_like_the_2023_rules()
    {
        var (app, token) = await OfficialAccountAsync();
        var user = await app.OpenIdAsync(5);

        var reply = await app.SendTemplateAsync(token, Message(user, status: "这是一个非常长的状态描述文字超过了二十个字的限制"));
        var message = Assert.Single((await app.InboxAsync(user)).GetProperty("messages").EnumerateArray());

        Assert.Equal(reply.GetProperty("msgid").GetInt64(), message.GetProperty("msgid").GetInt64());
        Assert.Equal("template_send", message.GetProperty("api").GetString());
        Assert.Equal("https://example.com/orders/1", message.GetProperty("url").GetString());
        Assert.Equal("wxmini0001", message.GetProperty("miniprogram_appid").GetString());
        Assert.Equal("pages/order?id=1", message.GetProperty("miniprogram_page_path").GetString());
        Assert.Equal("您好", message.GetProperty("data").GetProperty("first").GetString());
        // first/remark are not shown any more; free fields are cut to 20 characters.
        Assert.Equal("\n订单号:SO2024\n状态:这是一个非常长的状态描述文字超过了二十个…\n", message.GetProperty("rendered").GetString());
    }

    [Fact]
    public async Task Recent_deliveries_list_the_newest_messages_of_the_app_with_their_recipients()
    {
        var (app, token) = await OfficialAccountAsync(followers: 40);
        var sent = new List<(string User, long MsgId)>();
        for (var i = 0; i < 40; i++)
        {
            var user = await app.OpenIdAsync(i);
            sent.Add((user, (await app.SendTemplateAsync(token, Message(user))).GetProperty("msgid").GetInt64()));
        }

        var recent = await sim.GetAsync($"control/apps/{app.AppId}/deliveries?limit=5");
        var listed = recent.GetProperty("messages").EnumerateArray()
            .Select(m => (m.GetProperty("openid").GetString()!, m.GetProperty("msgid").GetInt64())).ToList();

        Assert.Equal(40, recent.GetProperty("total").GetInt64());
        Assert.Equal(Enumerable.Reverse(sent).Take(5).ToList(), listed);
    }

    [Fact]
    public async Task A_typed_field_of_a_category_template_is_validated_with_47003()
    {
        var (app, token) = await OfficialAccountAsync();
        var user = await app.OpenIdAsync(6);

        var reply = await app.SendTemplateAsync(token, new
        {
            touser = user, template_id = "ORDER",
            data = new { character_string1 = new { value = "订单号含中文" }, keyword2 = new { value = "ok" } },
        });

        Assert.Equal(47003, Errcode(reply));
        Assert.StartsWith("argument invalid! data.character_string1.value", reply.GetProperty("errmsg").GetString());
    }

    [Fact]
    public async Task Follower_paging_reaches_the_end_then_one_more_call_gives_count_0_and_no_data()
    {
        var (app, token) = await OfficialAccountAsync(followers: 25_000);
        var seen = new List<string>();
        string? next = null;
        var counts = new List<int>();
        JsonElement page;
        do
        {
            page = await app.UserGetAsync(token, next);
            Assert.Equal(0, Errcode(page));
            Assert.Equal(25_000, page.GetProperty("total").GetInt32());
            var count = page.GetProperty("count").GetInt32();
            counts.Add(count);
            if (count > 0)
            {
                var ids = page.GetProperty("data").GetProperty("openid").EnumerateArray().Select(e => e.GetString()!).ToList();
                Assert.Equal(count, ids.Count);
                Assert.Equal(ids[^1], page.GetProperty("next_openid").GetString());
                seen.AddRange(ids);
            }
            next = page.GetProperty("next_openid").GetString();
        } while (!string.IsNullOrEmpty(next));

        Assert.Equal([10_000, 10_000, 5_000, 0], counts);
        Assert.False(page.TryGetProperty("data", out _));
        Assert.Equal("", page.GetProperty("next_openid").GetString());
        Assert.Equal(25_000, seen.Distinct().Count());
        Assert.Equal(await app.OpenIdAsync(0), seen[0]);
        Assert.Equal(await app.OpenIdAsync(24_999), seen[^1]);
        Assert.Equal(seen.Order(StringComparer.Ordinal), seen);
    }

    [Fact]
    public async Task Follower_paging_skips_users_who_left_and_lists_named_followers_after_generated_ones()
    {
        var (app, token) = await OfficialAccountAsync(followers: 5);
        var gone = await app.OpenIdAsync(1);
        (await sim.Http.DeleteAsync($"control/apps/{app.AppId}/followers/{gone}")).EnsureSuccessStatusCode();
        await sim.PostAsync($"control/apps/{app.AppId}/followers", new { openid = "oNamed1" });

        var page = await app.UserGetAsync(token);
        var ids = page.GetProperty("data").GetProperty("openid").EnumerateArray().Select(e => e.GetString()).ToList();

        Assert.Equal(5, page.GetProperty("total").GetInt32());
        Assert.Equal([await app.OpenIdAsync(0), await app.OpenIdAsync(2), await app.OpenIdAsync(3), await app.OpenIdAsync(4), "oNamed1"], ids);
        Assert.Equal("oNamed1", page.GetProperty("next_openid").GetString());
        var end = await app.UserGetAsync(token, "oNamed1");
        Assert.Equal(0, end.GetProperty("count").GetInt32());
        Assert.Equal(40003, Errcode(await app.UserGetAsync(token, "oNotAFollowerEver")));
    }

    [Fact]
    public async Task Template_lists_have_the_reference_shapes()
    {
        var (app, token) = await OfficialAccountAsync();
        var mp = await sim.NewAppAsync("miniprogram");
        for (var i = 0; i < 25; i++)
            await mp.DefineTemplateAsync(new { template_id = $"L{i:D2}", kind = "legacy", title = "通知", content = "{{keyword1.DATA}}" });
        var mpToken = await mp.TokenAsync();

        var all = await sim.GetAsync($"cgi-bin/template/get_all_private_template?access_token={token}");
        var listed = Assert.Single(all.GetProperty("template_list").EnumerateArray());
        Assert.Equal("ORDER", listed.GetProperty("template_id").GetString());
        Assert.Contains("{{character_string1.DATA}}", listed.GetProperty("content").GetString());

        var page2 = await sim.PostAsync($"cgi-bin/wxopen/template/list?access_token={mpToken}", new { offset = 20, count = 20 });
        Assert.Equal(["L20", "L21", "L22", "L23", "L24"], page2.GetProperty("list").EnumerateArray().Select(e => e.GetProperty("template_id").GetString()));
        Assert.Equal(47003, Errcode(await sim.PostAsync($"cgi-bin/wxopen/template/list?access_token={mpToken}", new { offset = 0, count = 21 })));
    }
}
