using PushConsole.Tests.Infrastructure;
using System.Text.Json;
using static PushConsole.Tests.Infrastructure.SimulatorServer;

namespace PushConsole.Tests.Simulator;

/// <summary>Login codes, legacy template messages with formIds / prepay_ids, retired mode.</summary>
public class MiniProgramTests(SimulatorServer sim) : IClassFixture<SimulatorServer>
{
    private async Task<(TestApp App, string Token)> MiniProgramAsync()
    {
        var app = await sim.NewAppAsync("miniprogram");
        await app.DefineTemplateAsync(new { template_id = "LEGACY1", kind = "legacy", title = "购买成功通知", content = "购买地点{{keyword1.DATA}}\n购买时间{{keyword2.DATA}}\n" });
        return (app, await app.TokenAsync());
    }

    private async Task<string> CodeAsync(TestApp app, string openId) =>
        (await sim.PostAsync($"control/apps/{app.AppId}/codes", new { openid = openId })).GetProperty("code").GetString()!;

    private async Task<string[]> FormIdsAsync(TestApp app, string openId, int count = 1, bool prepay = false)
    {
        var reply = await sim.PostAsync($"control/apps/{app.AppId}/{(prepay ? "prepay-ids" : "formids")}", new { openid = openId, count });
        return reply.GetProperty(prepay ? "prepay_ids" : "form_ids").EnumerateArray().Select(e => e.GetString()!).ToArray();
    }

    private Task<JsonElement> LoginAsync(TestApp app, string code) =>
        sim.GetAsync($"sns/jscode2session?appid={app.AppId}&secret={app.Secret}&js_code={code}&grant_type=authorization_code");

    private static object Legacy(string touser, string formId) => new
    {
        touser,
        template_id = "LEGACY1",
        form_id = formId,
        page = "pages/index/index?id=1",
        data = new { keyword1 = new { value = "上海" }, keyword2 = new { value = "2024-01-01" } },
    };

    [Fact]
    public async Task A_login_code_gives_the_openid_once_then_answers_40163()
    {
        var (app, _) = await MiniProgramAsync();
        var code = await CodeAsync(app, "oUserLogin1");

        var first = await LoginAsync(app, code);
        var second = await LoginAsync(app, code);

        Assert.Equal("oUserLogin1", first.GetProperty("openid").GetString());
        Assert.False(string.IsNullOrEmpty(first.GetProperty("session_key").GetString()));
        Assert.Equal(40163, Errcode(second));
    }

    [Fact]
    public async Task A_login_code_is_invalid_after_five_minutes_for_another_app_and_when_unknown()
    {
        var (app, _) = await MiniProgramAsync();
        var (other, _) = await MiniProgramAsync();
        var late = await CodeAsync(app, "oUserLogin2");
        var foreign = await CodeAsync(app, "oUserLogin3");

        Assert.Equal(40029, Errcode(await LoginAsync(other, foreign)));
        Assert.Equal(40029, Errcode(await LoginAsync(app, "0a3Xnot-a-code")));
        await sim.AdvanceAsync(301);
        Assert.Equal(40029, Errcode(await LoginAsync(app, late)));
        Assert.Equal(41008, Errcode(await sim.GetAsync($"sns/jscode2session?appid={app.AppId}&secret={app.Secret}&grant_type=authorization_code")));
    }

    [Fact]
    public async Task A_formId_sent_to_another_user_is_rejected_with_41028()
    {
        var (app, token) = await MiniProgramAsync();
        var formId = (await FormIdsAsync(app, "oUserA"))[0];
        await CodeAsync(app, "oUserB"); // oUserB is a user of the app too (logged in), with no formId of their own

        Assert.Equal(41028, Errcode(await app.SendLegacyAsync(token, Legacy("oUserB", formId))));
        Assert.Equal(0, Errcode(await app.SendLegacyAsync(token, Legacy("oUserA", formId)))); // not burnt by the failure
        Assert.Equal(0, await app.InboxCountAsync("oUserB"));
        Assert.Equal(1, await app.InboxCountAsync("oUserA"));
    }

    [Fact]
    public async Task A_legacy_template_message_to_an_openid_the_app_never_issued_answers_40003_before_the_formId_is_checked()
    {
        var (app, token) = await MiniProgramAsync();
        var (other, _) = await MiniProgramAsync();
        var formId = (await FormIdsAsync(app, "oUserIssued"))[0];
        await CodeAsync(other, "oUserOfAnotherApp");

        Assert.Equal(40003, Errcode(await app.SendLegacyAsync(token, Legacy("oUserNeverIssued", formId))));
        Assert.Equal(40003, Errcode(await app.SendLegacyAsync(token, Legacy("oUserOfAnotherApp", formId))));
        Assert.Equal(40003, Errcode(await app.SendLegacyAsync(token, Legacy(WeChatSimulatorIds.OpenId(app.AppId, 5), formId)))); // never generated
        Assert.Equal(40003, Errcode(await app.SendLegacyAsync(token, Legacy("", formId))));
        Assert.Equal(1, (await sim.GetAsync($"control/apps/{app.AppId}/formids/{formId}")).GetProperty("remaining").GetInt32());
        Assert.Equal(0, Errcode(await app.SendLegacyAsync(token, Legacy("oUserIssued", formId))));
    }

    [Fact]
    public async Task A_formId_used_twice_answers_41029()
    {
        var (app, token) = await MiniProgramAsync();
        var formId = (await FormIdsAsync(app, "oUserC"))[0];

        Assert.Equal(0, Errcode(await app.SendLegacyAsync(token, Legacy("oUserC", formId))));
        Assert.Equal(41029, Errcode(await app.SendLegacyAsync(token, Legacy("oUserC", formId))));
        Assert.Equal(1, await app.InboxCountAsync("oUserC"));
    }

    [Fact]
    public async Task A_formId_works_until_seven_days_and_answers_41028_after()
    {
        var (app, _) = await MiniProgramAsync();
        var ids = await FormIdsAsync(app, "oUserD", count: 2);

        await sim.AdvanceAsync(7 * 86400 - 60);
        var token = await app.TokenAsync();
        Assert.Equal(0, Errcode(await app.SendLegacyAsync(token, Legacy("oUserD", ids[0]))));
        await sim.AdvanceAsync(120);
        Assert.Equal(41028, Errcode(await app.SendLegacyAsync(token, Legacy("oUserD", ids[1]))));
    }

    [Fact]
    public async Task A_prepay_id_allows_three_sends_to_its_user()
    {
        var (app, token) = await MiniProgramAsync();
        var prepay = (await FormIdsAsync(app, "oUserE", prepay: true))[0];

        for (var i = 0; i < 3; i++) Assert.Equal(0, Errcode(await app.SendLegacyAsync(token, Legacy("oUserE", prepay))));
        Assert.Equal(41029, Errcode(await app.SendLegacyAsync(token, Legacy("oUserE", prepay))));
        Assert.Equal(3, await app.InboxCountAsync("oUserE"));
    }

    [Fact]
    public async Task The_devtools_mock_formId_and_a_missing_form_id_answer_41028()
    {
        var (app, token) = await MiniProgramAsync();
        await CodeAsync(app, "oUserF"); // a user of the app (logged in) without a real formId

        Assert.Equal(41028, Errcode(await app.SendLegacyAsync(token, Legacy("oUserF", "the formId is a mock one"))));
        Assert.Equal(41028, Errcode(await app.SendLegacyAsync(token, new { touser = "oUserF", template_id = "LEGACY1" })));
        Assert.Equal(41028, Errcode(await app.SendLegacyAsync(token, new { touser = "oUserF", template_id = "LEGACY1", formId = "camelCaseIsWrong" })));
    }

    [Fact]
    public async Task A_delivered_legacy_message_is_in_the_inbox_with_its_page_data_and_form_id()
    {
        var (app, token) = await MiniProgramAsync();
        var formId = (await FormIdsAsync(app, "oUserG"))[0];

        var reply = await app.SendLegacyAsync(token, Legacy("oUserG", formId));
        var inbox = await app.InboxAsync("oUserG");

        Assert.Equal("ok", reply.GetProperty("errmsg").GetString());
        var message = Assert.Single(inbox.GetProperty("messages").EnumerateArray());
        Assert.Equal("wxopen_template_send", message.GetProperty("api").GetString());
        Assert.Equal("LEGACY1", message.GetProperty("template_id").GetString());
        Assert.Equal("pages/index/index?id=1", message.GetProperty("page").GetString());
        Assert.Equal(formId, message.GetProperty("form_id").GetString());
        Assert.Equal("上海", message.GetProperty("data").GetProperty("keyword1").GetString());
        Assert.Equal("购买地点上海\n购买时间2024-01-01\n", message.GetProperty("rendered").GetString());
    }

    [Fact]
    public async Task Retired_mode_answers_mini_program_template_sends_with_45103()
    {
        var (app, token) = await MiniProgramAsync();
        var formId = (await FormIdsAsync(app, "oUserH"))[0];
        try
        {
            await sim.PostAsync("control/retired", new { on = true });
            Assert.Equal(45103, Errcode(await app.SendLegacyAsync(token, Legacy("oUserH", formId))));
        }
        finally
        {
            await sim.PostAsync("control/retired", new { on = false });
        }
        Assert.Equal(0, Errcode(await app.SendLegacyAsync(token, Legacy("oUserH", formId))));
    }

    [Fact]
    public async Task A_page_that_is_not_released_answers_41030_when_the_app_lists_its_pages()
    {
        var (app, token) = await MiniProgramAsync();
        await sim.PostAsync($"control/apps/{app.AppId}", new { pages = new[] { "pages/index/index" } });
        var ids = await FormIdsAsync(app, "oUserI", count: 2);

        var bad = new { touser = "oUserI", template_id = "LEGACY1", form_id = ids[0], page = "/pages/index/index" };
        Assert.Equal(41030, Errcode(await app.SendLegacyAsync(token, bad)));
        Assert.Equal(0, Errcode(await app.SendLegacyAsync(token, Legacy("oUserI", ids[1]))));
    }

    [Fact]
    public async Task Uniform_send_is_recalled_with_45109()
    {
        var (_, token) = await MiniProgramAsync();

        var reply = await sim.PostAsync($"cgi-bin/message/wxopen/template/uniform_send?access_token={token}", new { touser = "oUserJ" });

        Assert.Equal(45109, Errcode(reply));
    }
}
