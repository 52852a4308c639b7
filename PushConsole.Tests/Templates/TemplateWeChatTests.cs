using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PushConsole.Accounts;
using PushConsole.Persistence;
using PushConsole.Simulator;
using TemplateKind = PushConsole.Templates.TemplateKind;
using PushConsole.Templates;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.Templates;

/// <summary>Import and test send against the WeChat simulator, through the console's API.</summary>
public class TemplateWeChatTests
{
    [Fact]
    public async Task Importing_a_mini_program_brings_its_subscribe_and_legacy_templates_disabled_with_fields_and_enum_values()
    {
        await using var simulator = await SimulatorServer.StartAsync();
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        var account = await TemplateTestData.AccountAsync(host, AccountKind.MiniProgram, "wximport01", simulator);
        simulator.Simulator.DefineTemplate("wximport01", new TemplateSpec
        {
            TemplateId = "sub-order", Title = "订单状态提醒", Content = "订单号:{{character_string1.DATA}}\n状态:{{enum_string2.DATA}}\n",
            Type = 3, Enums = new() { ["enum_string2"] = ["已发货", "已签收"] }, Example = "订单号:A001\n状态:已发货",
        });
        simulator.Simulator.DefineTemplate("wximport01", new TemplateSpec
        {
            TemplateId = "legacy-buy", Kind = "legacy", Title = "购买成功通知", Content = "购买地点{{keyword1.DATA}}\n购买时间{{keyword2.DATA}}\n",
        });
        using var admin = host.CreateHttpClient(ConsoleHost.AdminApiToken);

        var response = await admin.PostAsync($"api/v1/templates/import?accountId={account.Id}", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, result.GetProperty("created").GetInt32());
        var templates = await host.Services.GetRequiredService<TemplateService>().ListAsync(account.Id);
        var subscribe = templates.Single(t => t.WeChatTemplateId == "sub-order");
        var legacy = templates.Single(t => t.WeChatTemplateId == "legacy-buy");
        Assert.Equal((TemplateKind.Subscribe, "订单状态提醒", true, false), (subscribe.Kind, subscribe.Title, subscribe.LongTerm, subscribe.Enabled));
        Assert.Equal(["character_string1", "enum_string2"], subscribe.Fields.Select(f => f.Key));
        Assert.Equal(["订单号", "状态"], subscribe.Fields.Select(f => f.Label));
        Assert.Equal(["已发货", "已签收"], subscribe.Fields[1].EnumValues!);
        Assert.Equal("订单号:A001\n状态:已发货", subscribe.Example);
        Assert.Equal(TemplateKind.MiniProgramTemplate, legacy.Kind);
        Assert.Equal(["购买地点", "购买时间"], legacy.Fields.Select(f => f.Label));
    }

    [Fact]
    public async Task Importing_again_updates_changed_templates_keeps_admin_values_and_reports_templates_gone_from_wechat()
    {
        await using var simulator = await SimulatorServer.StartAsync();
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        var account = await TemplateTestData.AccountAsync(host, AccountKind.OfficialAccount, "wximport02", simulator);
        simulator.Simulator.DefineTemplate("wximport02", new TemplateSpec { TemplateId = "oa-win", Title = "中奖通知", Content = "{{result.DATA}}\n领奖金额:{{withdrawMoney.DATA}}\n" });
        simulator.Simulator.DefineTemplate("wximport02", new TemplateSpec { TemplateId = "oa-old", Title = "旧模板", Content = "{{keyword1.DATA}}" });
        var importer = host.Services.GetRequiredService<TemplateImporter>();
        var templates = host.Services.GetRequiredService<TemplateService>();
        Assert.Equal(2, (await importer.ImportAsync(account.Id)).Created);
        var win = (await templates.ListAsync(account.Id)).Single(t => t.WeChatTemplateId == "oa-win");
        var input = TemplateInput.From(win);
        input.Fields.Single(f => f.Key == "withdrawMoney").ValueExpression = "100元";
        input.Enabled = true;
        Assert.True((await templates.UpdateAsync(win.Id, input)).Succeeded);
        simulator.Simulator.DefineTemplate("wximport02", new TemplateSpec
        {
            TemplateId = "oa-win", Title = "中奖结果通知", Content = "{{result.DATA}}\n领奖金额:{{withdrawMoney.DATA}}\n领奖时间:{{withdrawTime.DATA}}\n",
        });
        simulator.Simulator.RemoveTemplate("wximport02", "oa-old");

        var again = await importer.ImportAsync(account.Id);

        Assert.Equal((0, 1, 0), (again.Created, again.Updated, again.Unchanged));
        Assert.Equal(["oa-old"], again.NotAtWeChat);
        var updated = (await templates.FindAsync(win.Id))!;
        Assert.Equal("中奖结果通知", updated.Title);
        Assert.True(updated.Enabled);
        Assert.Equal(["", "100元", ""], updated.Fields.Select(f => f.ValueExpression));
        Assert.Equal(["result", "withdrawMoney", "withdrawTime"], updated.Fields.Select(f => f.Key));
        Assert.NotNull(await templates.FindAsync((await templates.ListAsync(account.Id)).Single(t => t.WeChatTemplateId == "oa-old").Id));
    }

    [Fact]
    public async Task Import_shows_wechats_answer_when_the_account_is_refused()
    {
        await using var simulator = await SimulatorServer.StartAsync();
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        var account = await TemplateTestData.AccountAsync(host, AccountKind.MiniProgram, "wximport03", simulator);
        simulator.Simulator.UpsertApp(new AppSpec { AppId = "wximport03", Secret = "another-secret" });
        using var admin = host.CreateHttpClient(ConsoleHost.AdminApiToken);

        var response = await admin.PostAsync($"api/v1/templates/import?accountId={account.Id}", null);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(40125, problem.GetProperty("errcode").GetInt32());
    }

    [Fact]
    public async Task A_subscribe_test_send_reaches_the_user_and_shows_wechats_answer_and_without_a_grant_shows_43101()
    {
        await using var simulator = await SimulatorServer.StartAsync();
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        var account = await TemplateTestData.AccountAsync(host, AccountKind.MiniProgram, "wxsend0001", simulator);
        simulator.Simulator.DefineTemplate("wxsend0001", new TemplateSpec { TemplateId = "sub-meeting", Title = "Meeting reminder", Content = "会议时间:{{date2.DATA}}\n会议地点:{{thing1.DATA}}\n" });
        simulator.Simulator.Grant("wxsend0001", "oUserWithGrant", "sub-meeting");
        var template = (await host.Services.GetRequiredService<TemplateService>().CreateAsync(TemplateTestData.Subscribe(account.Id))).Template!;
        using var admin = host.CreateHttpClient(ConsoleHost.AdminApiToken);

        var sent = await TestSendAsync(admin, template.Id, new TestSendRequest("oUserWithGrant", CampaignName: "Board meeting"));
        var refused = await TestSendAsync(admin, template.Id, new TestSendRequest("oUserWithGrant", CampaignName: "Board meeting"));

        Assert.True(sent.GetProperty("succeeded").GetBoolean());
        Assert.Equal(0, sent.GetProperty("errCode").GetInt32());
        Assert.Equal("ok", sent.GetProperty("errMsg").GetString());
        var delivered = Assert.Single(simulator.Simulator.GetInbox("wxsend0001", "oUserWithGrant"));
        Assert.Equal("Board meeting", delivered.Data["thing1"]);
        Assert.Equal(sent.GetProperty("data").GetProperty("date2").GetProperty("value").GetString(), delivered.Data["date2"]);
        Assert.True(refused.GetProperty("attempted").GetBoolean());
        Assert.Equal(43101, refused.GetProperty("errCode").GetInt32());
        Assert.StartsWith("user refuse to accept the msg", refused.GetProperty("errMsg").GetString());
    }

    [Fact]
    public async Task A_value_wechat_would_refuse_is_held_back_with_the_local_47003_and_sent_anyway_wechat_answers_the_same()
    {
        await using var simulator = await SimulatorServer.StartAsync();
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        var account = await TemplateTestData.AccountAsync(host, AccountKind.MiniProgram, "wxsend0002", simulator);
        simulator.Simulator.DefineTemplate("wxsend0002", new TemplateSpec { TemplateId = "sub-meeting", Title = "Meeting reminder", Content = "会议时间:{{date2.DATA}}\n会议地点:{{thing1.DATA}}\n" });
        simulator.Simulator.Grant("wxsend0002", "oUser", "sub-meeting");
        var template = (await host.Services.GetRequiredService<TemplateService>().CreateAsync(TemplateTestData.Subscribe(account.Id))).Template!;
        using var admin = host.CreateHttpClient(ConsoleHost.AdminApiToken);
        var tooLong = new string('长', 21);

        var held = await TestSendAsync(admin, template.Id, new TestSendRequest("oUser", CampaignName: tooLong));
        var anyway = await TestSendAsync(admin, template.Id, new TestSendRequest("oUser", CampaignName: tooLong, SendAnyway: true));

        Assert.False(held.GetProperty("attempted").GetBoolean());
        Assert.Equal(47003, held.GetProperty("errCode").GetInt32());
        Assert.Equal("argument invalid! data.thing1.value invalid", held.GetProperty("errMsg").GetString());
        Assert.Empty(simulator.Simulator.GetInbox("wxsend0002", "oUser"));
        Assert.True(anyway.GetProperty("attempted").GetBoolean());
        Assert.Equal(47003, anyway.GetProperty("errCode").GetInt32());
        Assert.StartsWith("argument invalid! data.thing1.value invalid", anyway.GetProperty("errMsg").GetString());
    }

    [Fact]
    public async Task An_official_account_test_send_to_a_follower_returns_wechats_msgid_to_one_who_left_43004_and_to_a_stranger_40003()
    {
        await using var simulator = await SimulatorServer.StartAsync();
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        var account = await TemplateTestData.AccountAsync(host, AccountKind.OfficialAccount, "wxsend0003", simulator);
        simulator.Simulator.DefineTemplate("wxsend0003", new TemplateSpec { TemplateId = "oa-ship", Title = "发货通知", Content = "订单:{{keyword1.DATA}}\n{{remark.DATA}}" });
        simulator.Simulator.AddFollowers("wxsend0003", ["oFollower", "oLeaver"]);
        simulator.Simulator.RemoveFollower("wxsend0003", "oLeaver");
        var template = (await host.Services.GetRequiredService<TemplateService>().CreateAsync(new TemplateInput
        {
            AccountId = account.Id, Kind = TemplateKind.OfficialAccountTemplate, WeChatTemplateId = "oa-ship", Title = "发货通知",
            Content = "订单:{{keyword1.DATA}}\n{{remark.DATA}}", Url = "https://example.com/orders",
            Fields = [new() { Key = "keyword1", ValueExpression = "{campaign.name} for {user.openid}" }],
        })).Template!;
        using var admin = host.CreateHttpClient(ConsoleHost.AdminApiToken);

        var sent = await TestSendAsync(admin, template.Id, new TestSendRequest("oFollower", CampaignName: "Order 42"));
        var leaver = await TestSendAsync(admin, template.Id, new TestSendRequest("oLeaver"));
        var stranger = await TestSendAsync(admin, template.Id, new TestSendRequest("oStranger"));

        Assert.True(sent.GetProperty("succeeded").GetBoolean());
        Assert.True(sent.GetProperty("msgId").GetInt64() > 0);
        Assert.Contains(sent.GetProperty("issues").EnumerateArray(), i => i.GetProperty("message").GetString()!.Contains("truncated"));
        var delivered = Assert.Single(simulator.Simulator.GetInbox("wxsend0003", "oFollower"));
        Assert.Equal("Order 42 for oFollower", delivered.Data["keyword1"]);
        Assert.Equal("https://example.com/orders", delivered.Url);
        Assert.Equal(43004, leaver.GetProperty("errCode").GetInt32());
        Assert.Equal(40003, stranger.GetProperty("errCode").GetInt32());
    }

    private static async Task<JsonElement> TestSendAsync(HttpClient admin, int templateId, TestSendRequest request)
    {
        var response = await admin.PostAsJsonAsync($"api/v1/templates/{templateId}/test-send", request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
