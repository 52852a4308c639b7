using PushConsole.Tests.Infrastructure;
using static PushConsole.Tests.Infrastructure.SimulatorServer;

namespace PushConsole.Tests.Simulator;

public class SubscribeMessageTests(SimulatorServer sim) : IClassFixture<SimulatorServer>
{
    private const string Content = "商品名称:{{thing1.DATA}}\n发货时间:{{time2.DATA}}\n状态:{{phrase3.DATA}}\n";

    private async Task<(TestApp App, string Token)> MiniProgramAsync()
    {
        var app = await sim.NewAppAsync("miniprogram");
        await app.DefineTemplateAsync(new { template_id = "SHIP", title = "发货提醒", content = Content });
        await app.DefineTemplateAsync(new { template_id = "OTHER", title = "其他提醒", content = Content });
        return (app, await app.TokenAsync());
    }

    private static object Message(string touser, string template = "SHIP", string thing = "咖啡豆") => new
    {
        touser,
        template_id = template,
        page = "pages/order/detail?id=7",
        miniprogram_state = "formal",
        lang = "zh_CN",
        data = new
        {
            thing1 = new { value = thing },
            time2 = new { value = "2024年10月1日 15:01" },
            phrase3 = new { value = "已发货" },
        },
    };

    private Task Grant(TestApp app, string openId, string template, int count) =>
        sim.PostAsync($"control/apps/{app.AppId}/grants", new { openid = openId, template_id = template, count });

    private async Task<int> RemainingAsync(TestApp app, string openId, string template) =>
        (await sim.GetAsync($"control/apps/{app.AppId}/grants/{openId}/{template}")).GetProperty("remaining").GetInt32();

    [Fact]
    public async Task Grants_are_counted_per_user_and_template_and_an_exhausted_grant_answers_43101()
    {
        var (app, token) = await MiniProgramAsync();
        await Grant(app, "oSubA", "SHIP", 2);
        await Grant(app, "oSubB", "OTHER", 1);

        Assert.Equal(0, Errcode(await app.SendSubscribeAsync(token, Message("oSubA"))));
        Assert.Equal(0, Errcode(await app.SendSubscribeAsync(token, Message("oSubA"))));
        Assert.Equal(43101, Errcode(await app.SendSubscribeAsync(token, Message("oSubA"))));
        Assert.Equal(43101, Errcode(await app.SendSubscribeAsync(token, Message("oSubA", "OTHER"))));
        Assert.Equal(43101, Errcode(await app.SendSubscribeAsync(token, Message("oSubB"))));
        Assert.Equal(0, Errcode(await app.SendSubscribeAsync(token, Message("oSubB", "OTHER"))));
        Assert.Equal(43101, Errcode(await app.SendSubscribeAsync(token, Message("oSubNeverSeen"))));

        Assert.Equal(0, await RemainingAsync(app, "oSubA", "SHIP"));
        Assert.Equal(2, await app.InboxCountAsync("oSubA"));
    }

    [Fact]
    public async Task A_grant_to_a_generated_openid_makes_that_user_known_and_can_be_spent_once()
    {
        var (app, token) = await MiniProgramAsync();
        var openId = PushConsole.Simulator.WeChatSimulator.GeneratedOpenId(app.AppId, 7);
        await Grant(app, openId, "SHIP", 1);

        Assert.Equal(0, Errcode(await app.SendSubscribeAsync(token, Message(openId))));
        Assert.Equal(43101, Errcode(await app.SendSubscribeAsync(token, Message(openId))));
        Assert.Equal(1, await app.InboxCountAsync(openId));
    }

    [Fact]
    public async Task A_thing_value_over_20_characters_answers_47003_naming_the_field_and_keeps_the_grant()
    {
        var (app, token) = await MiniProgramAsync();
        await Grant(app, "oSubC", "SHIP", 1);

        var reply = await app.SendSubscribeAsync(token, Message("oSubC", thing: new string('长', 21)));

        Assert.Equal(47003, Errcode(reply));
        Assert.StartsWith("argument invalid! data.thing1.value", reply.GetProperty("errmsg").GetString());
        Assert.Equal(1, await RemainingAsync(app, "oSubC", "SHIP"));
        Assert.Equal(0, Errcode(await app.SendSubscribeAsync(token, Message("oSubC", thing: new string('长', 20)))));
    }

    [Fact]
    public async Task A_missing_field_answers_47003_is_empty()
    {
        var (app, token) = await MiniProgramAsync();
        await Grant(app, "oSubD", "SHIP", 1);

        var reply = await app.SendSubscribeAsync(token, new
        {
            touser = "oSubD",
            template_id = "SHIP",
            data = new { thing1 = new { value = "x" }, time2 = new { value = "15:01" } },
        });

        Assert.Equal(47003, Errcode(reply));
        Assert.StartsWith("argument invalid! data.phrase3.value is empty", reply.GetProperty("errmsg").GetString());
    }

    [Theory]
    [InlineData("thing1", "二十个字以内的任意内容ABC123!", true)]
    [InlineData("number1", "12.50", true)]
    [InlineData("number1", "12a", false)]
    [InlineData("letter1", "abcXYZ", true)]
    [InlineData("letter1", "abc1", false)]
    [InlineData("symbol1", "!@#", true)]
    [InlineData("symbol1", "!@#$%^", false)]
    [InlineData("character_string1", "SO-2024_0001", true)]
    [InlineData("character_string1", "订单1", false)]
    [InlineData("time1", "15:01", true)]
    [InlineData("time1", "2019年10月1日 15:01", true)]
    [InlineData("time1", "15:01 ~ 16:30", true)]
    [InlineData("time1", "25:01", false)]
    [InlineData("date1", "2019年10月1日", true)]
    [InlineData("date1", "2019-10-01 15:01", true)]
    [InlineData("date1", "yesterday", false)]
    [InlineData("amount1", "¥100.50", true)]
    [InlineData("amount1", "100元", true)]
    [InlineData("amount1", "one hundred", false)]
    [InlineData("phone_number1", "+86-0766-66888866", true)]
    [InlineData("phone_number1", "call me", false)]
    [InlineData("car_number1", "粤A8Z888挂", true)]
    [InlineData("car_number1", "A粤8Z888", false)]
    [InlineData("name1", "张三", true)]
    [InlineData("name1", "John Smith", true)]
    [InlineData("name1", "张三丰张三丰张三丰张三", false)]
    [InlineData("phrase1", "已发货", true)]
    [InlineData("phrase1", "shipped", false)]
    [InlineData("phrase1", "已经发货了吗啊", false)]
    public async Task Field_values_follow_the_subscribe_rule_table(string key, string value, bool valid)
    {
        var app = await sim.NewAppAsync("miniprogram");
        var template = "T_" + key;
        await app.DefineTemplateAsync(new { template_id = template, title = "规则", content = "值:{{" + key + ".DATA}}", type = 3 });
        await Grant(app, "oRules", template, 1);
        var token = await app.TokenAsync();

        var data = new Dictionary<string, object> { [key] = new { value } };
        var reply = await app.SendSubscribeAsync(token, new { touser = "oRules", template_id = template, data });

        Assert.Equal(valid ? 0 : 47003, Errcode(reply));
    }

    [Fact]
    public async Task An_enum_field_accepts_only_the_templates_values()
    {
        var app = await sim.NewAppAsync("miniprogram");
        await app.DefineTemplateAsync(new
        {
            template_id = "ENUM", title = "状态", content = "状态:{{enum_string1.DATA}}",
            enums = new Dictionary<string, string[]> { ["enum_string1"] = ["待支付", "已支付"] },
        });
        await Grant(app, "oEnum", "ENUM", 2);
        var token = await app.TokenAsync();

        Assert.Equal(47003, Errcode(await app.SendSubscribeAsync(token, new { touser = "oEnum", template_id = "ENUM", data = new { enum_string1 = new { value = "已退款" } } })));
        Assert.Equal(0, Errcode(await app.SendSubscribeAsync(token, new { touser = "oEnum", template_id = "ENUM", data = new { enum_string1 = new { value = "已支付" } } })));
        var templates = await sim.GetAsync($"wxaapi/newtmpl/gettemplate?access_token={token}");
        var listed = Assert.Single(templates.GetProperty("data").EnumerateArray());
        Assert.Equal("enum_string1.DATA", listed.GetProperty("keywordEnumValueList")[0].GetProperty("keywordCode").GetString());
    }

    [Fact]
    public async Task A_user_who_turned_the_main_switch_off_gets_43101()
    {
        var (app, token) = await MiniProgramAsync();
        await Grant(app, "oSubE", "SHIP", 5);

        await sim.PostAsync($"control/apps/{app.AppId}/main-switch", new { openid = "oSubE", on = false });
        Assert.Equal(43101, Errcode(await app.SendSubscribeAsync(token, Message("oSubE"))));
        await sim.PostAsync($"control/apps/{app.AppId}/main-switch", new { openid = "oSubE", on = true });
        Assert.Equal(0, Errcode(await app.SendSubscribeAsync(token, Message("oSubE"))));
    }

    [Fact]
    public async Task Bulk_grants_to_generated_users_are_used_once_each()
    {
        var (app, token) = await MiniProgramAsync();
        await app.GenerateFollowersAsync(1000);
        await sim.PostAsync($"control/apps/{app.AppId}/grants/generated", new { template_id = "SHIP", count = 1 });
        var user = await app.OpenIdAsync(999);

        Assert.Equal(0, Errcode(await app.SendSubscribeAsync(token, Message(user))));
        Assert.Equal(43101, Errcode(await app.SendSubscribeAsync(token, Message(user))));
        Assert.Equal(0, Errcode(await app.SendSubscribeAsync(token, Message(await app.OpenIdAsync(0)))));
    }

    [Fact]
    public async Task Unknown_template_empty_touser_and_another_apps_openid_are_rejected()
    {
        var (app, token) = await MiniProgramAsync();
        var (other, _) = await MiniProgramAsync();
        await other.GenerateFollowersAsync(3);
        await Grant(app, "oSubF", "SHIP", 1);

        Assert.Equal(40037, Errcode(await app.SendSubscribeAsync(token, Message("oSubF", "NOPE"))));
        Assert.Equal(40003, Errcode(await app.SendSubscribeAsync(token, Message(""))));
        Assert.Equal(40003, Errcode(await app.SendSubscribeAsync(token, Message(await other.OpenIdAsync(1)))));
    }

    [Fact]
    public async Task A_delivered_subscribe_message_is_in_the_inbox_with_msgid_page_and_data()
    {
        var (app, token) = await MiniProgramAsync();
        await Grant(app, "oSubG", "SHIP", 1);

        var reply = await app.SendSubscribeAsync(token, Message("oSubG"));
        var message = Assert.Single((await app.InboxAsync("oSubG")).GetProperty("messages").EnumerateArray());

        Assert.Equal(reply.GetProperty("msgid").GetInt64(), message.GetProperty("msgid").GetInt64());
        Assert.Equal("subscribe_send", message.GetProperty("api").GetString());
        Assert.Equal("pages/order/detail?id=7", message.GetProperty("page").GetString());
        Assert.Equal("咖啡豆", message.GetProperty("data").GetProperty("thing1").GetString());
        Assert.Equal("商品名称:咖啡豆\n发货时间:2024年10月1日 15:01\n状态:已发货\n", message.GetProperty("rendered").GetString());
    }
}
