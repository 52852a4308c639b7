using PushConsole.Simulator;
using PushConsole.WeChat;

namespace PushConsole.Tests.WeChat;

/// <summary>Every send outcome class, from the simulator's real answers over HTTP.</summary>
public class WeChatSendOutcomeTests : WeChatTestBase
{
    [Fact]
    public async Task A_subscribe_send_with_a_grant_succeeds_and_reaches_the_users_inbox()
    {
        var (app, template, openId) = MiniProgramWithGrantedUser();

        var outcome = await ClientFor(app).SendSubscribeAsync(Subscribe(openId, template, thing: "年度体检"));

        Assert.True(outcome.Succeeded, outcome.ToString());
        var message = Assert.Single(Sim.GetInbox(app.AppId, openId));
        Assert.Equal("年度体检", message.Data["thing1"]);
        Assert.Equal(0, Sim.GrantRemaining(app.AppId, openId, template));
    }

    [Fact]
    public async Task A_subscribe_send_without_a_grant_is_NoGrant_and_permanent()
    {
        var (app, template, openId) = MiniProgramWithGrantedUser(grants: 0);

        var outcome = await ClientFor(app).SendSubscribeAsync(Subscribe(openId, template));

        Assert.Equal(WeChatErrorKind.NoGrant, outcome.Kind);
        Assert.Equal(43101, outcome.Error!.ErrCode);
        Assert.True(outcome.IsPermanent);
        Assert.False(outcome.IsRetryable);
    }

    [Fact]
    public async Task Permanent_errors_are_sent_once_and_not_retried()
    {
        var (app, template, openId) = MiniProgramWithGrantedUser(grants: 0);
        var client = ClientFor(app);

        var noGrant = await client.SendSubscribeAsync(Subscribe(openId, template));
        var badTemplate = await client.SendSubscribeAsync(Subscribe(openId, "no-such-template"));

        Assert.Equal(WeChatErrorKind.NoGrant, noGrant.Kind);
        Assert.Equal(WeChatErrorKind.BadTemplate, badTemplate.Kind);
        Assert.Equal(2, Server.Calls(app.AppId, "subscribe_send"));
    }

    [Fact]
    public async Task A_wrong_template_id_is_BadTemplate()
    {
        var (app, _, openId) = MiniProgramWithGrantedUser();

        var outcome = await ClientFor(app).SendSubscribeAsync(Subscribe(openId, "not-a-template-of-this-app"));

        Assert.Equal(WeChatErrorKind.BadTemplate, outcome.Kind);
        Assert.Equal(40037, outcome.Error!.ErrCode);
    }

    [Fact]
    public async Task An_invalid_field_value_is_BadData_naming_the_field()
    {
        var (app, template, openId) = MiniProgramWithGrantedUser();

        var outcome = await ClientFor(app).SendSubscribeAsync(Subscribe(openId, template, thing: new string('长', 21)));

        Assert.Equal(WeChatErrorKind.BadData, outcome.Kind);
        Assert.Equal(47003, outcome.Error!.ErrCode);
        Assert.Equal("thing1", outcome.Error.Field);
        Assert.Contains("rid:", outcome.Error.ErrMsg);
    }

    [Fact]
    public async Task An_openid_of_another_app_is_InvalidRecipient()
    {
        var (app, template, _) = MiniProgramWithGrantedUser();
        var (_, _, foreignOpenId) = MiniProgramWithGrantedUser();

        var outcome = await ClientFor(app).SendSubscribeAsync(Subscribe(foreignOpenId, template));

        Assert.Equal(WeChatErrorKind.InvalidRecipient, outcome.Kind);
        Assert.Equal(40003, outcome.Error!.ErrCode);
    }

    [Fact]
    public async Task A_legacy_template_send_spends_the_formId_and_its_reuse_is_CredentialUsed()
    {
        var app = Server.NewApp();
        var template = Sim.DefineTemplate(app.AppId, new TemplateSpec { Title = "购买成功通知", Content = "商品{{keyword1.DATA}}\n", Kind = "legacy" }).TemplateId;
        var openId = "o-form-user";
        var formId = Sim.MintFormIds(app.AppId, openId).Single();
        var client = ClientFor(app);
        var message = new MiniProgramTemplateMessage(openId, template, formId,
            new Dictionary<string, TemplateValue> { ["keyword1"] = new("咖啡", "#173177") }, Page: "index?from=push", EmphasisKeyword: "keyword1.DATA");

        var first = await client.SendMiniProgramTemplateAsync(message);
        var second = await client.SendMiniProgramTemplateAsync(message);

        Assert.True(first.Succeeded, first.ToString());
        Assert.Equal("index?from=push", Assert.Single(Sim.GetInbox(app.AppId, openId)).Page);
        Assert.Equal(WeChatErrorKind.CredentialUsed, second.Kind);
        Assert.Equal(41029, second.Error!.ErrCode);
    }

    [Fact]
    public async Task An_unknown_or_mock_formId_is_CredentialInvalid()
    {
        var app = Server.NewApp();
        var template = Sim.DefineTemplate(app.AppId, new TemplateSpec { Title = "购买成功通知", Content = "商品{{keyword1.DATA}}\n", Kind = "legacy" }).TemplateId;
        var data = new Dictionary<string, TemplateValue> { ["keyword1"] = new("咖啡") };
        Sim.MintLoginCode(app.AppId, "o-user"); // a user of the mini program, who only has the DevTools string as formId
        var client = ClientFor(app);

        var mock = await client.SendMiniProgramTemplateAsync(new MiniProgramTemplateMessage("o-user", template, WeChatSimulator.MockFormId, data));

        Assert.Equal(WeChatErrorKind.CredentialInvalid, mock.Kind);
        Assert.Equal(41028, mock.Error!.ErrCode);
    }

    [Fact]
    public async Task Legacy_template_sends_after_the_2020_retirement_are_Retired()
    {
        var app = Server.NewApp();
        var template = Sim.DefineTemplate(app.AppId, new TemplateSpec { Title = "购买成功通知", Content = "商品{{keyword1.DATA}}\n", Kind = "legacy" }).TemplateId;
        var formId = Sim.MintFormIds(app.AppId, "o-user").Single();
        Sim.Retired = true;

        var outcome = await ClientFor(app).SendMiniProgramTemplateAsync(new MiniProgramTemplateMessage("o-user", template, formId,
            new Dictionary<string, TemplateValue> { ["keyword1"] = new("咖啡") }));

        Assert.Equal(WeChatErrorKind.Retired, outcome.Kind);
        Assert.Equal(45103, outcome.Error!.ErrCode);
        Assert.True(outcome.Error.IsAccountWide);
    }

    [Fact]
    public async Task An_official_template_send_returns_the_msgid_and_a_repeated_client_msg_id_delivers_once()
    {
        var app = Server.NewApp("officialaccount");
        var template = Sim.DefineTemplate(app.AppId, new TemplateSpec { Title = "订单发货通知", Content = "订单{{keyword1.DATA}}\n" }).TemplateId;
        Sim.AddFollowers(app.AppId, ["o-follower"]);
        var client = ClientFor(app);
        var message = new OfficialTemplateMessage("o-follower", template,
            new Dictionary<string, TemplateValue> { ["keyword1"] = new("A-1001") }, Url: "https://example.com/orders/1001");

        var first = await client.SendOfficialTemplateAsync(message, clientMsgId: "campaign-7:o-follower");
        var again = await client.SendOfficialTemplateAsync(message, clientMsgId: "campaign-7:o-follower");

        Assert.True(first.Succeeded, first.ToString());
        Assert.NotNull(first.MsgId);
        Assert.Equal(first.MsgId, again.MsgId);
        var delivered = Assert.Single(Sim.GetInbox(app.AppId, "o-follower"));
        Assert.Equal(first.MsgId, delivered.MsgId);
        Assert.Equal("https://example.com/orders/1001", delivered.Url);
    }

    [Fact]
    public async Task An_official_template_send_opening_a_mini_program_carries_its_appid_and_pagepath()
    {
        var app = Server.NewApp("officialaccount");
        var miniProgram = Server.NewApp();
        Sim.BindMiniProgram(app.AppId, miniProgram.AppId);
        var template = Sim.DefineTemplate(app.AppId, new TemplateSpec { Title = "订单发货通知", Content = "订单{{keyword1.DATA}}\n" }).TemplateId;
        Sim.AddFollowers(app.AppId, ["o-follower"]);

        var outcome = await ClientFor(app).SendOfficialTemplateAsync(new OfficialTemplateMessage("o-follower", template,
            new Dictionary<string, TemplateValue> { ["keyword1"] = new("A-1002") }, MiniProgram: new MiniProgramLink(miniProgram.AppId, "pages/order?id=1002")));

        Assert.True(outcome.Succeeded, outcome.ToString());
        var delivered = Assert.Single(Sim.GetInbox(app.AppId, "o-follower"));
        Assert.Equal(miniProgram.AppId, delivered.MiniProgramAppId);
        Assert.Equal("pages/order?id=1002", delivered.MiniProgramPagePath);
    }

    [Fact]
    public async Task An_official_template_send_opening_a_mini_program_not_bound_to_the_account_is_a_Configuration_error()
    {
        var app = Server.NewApp("officialaccount");
        var miniProgram = Server.NewApp();
        var template = Sim.DefineTemplate(app.AppId, new TemplateSpec { Title = "订单发货通知", Content = "订单{{keyword1.DATA}}\n" }).TemplateId;
        Sim.AddFollowers(app.AppId, ["o-follower"]);

        var outcome = await ClientFor(app).SendOfficialTemplateAsync(new OfficialTemplateMessage("o-follower", template,
            new Dictionary<string, TemplateValue> { ["keyword1"] = new("A-1004") }, MiniProgram: new MiniProgramLink(miniProgram.AppId, "pages/order?id=1004")));

        Assert.Equal((WeChatErrorKind.Configuration, 40013), (outcome.Kind, outcome.Error!.ErrCode));
        Assert.True(outcome.Error.IsAccountWide);
        Assert.Empty(Sim.GetInbox(app.AppId, "o-follower"));
    }

    [Fact]
    public async Task An_official_template_send_to_an_openid_the_account_never_issued_is_InvalidRecipient_and_permanent()
    {
        var app = Server.NewApp("officialaccount");
        var template = Sim.DefineTemplate(app.AppId, new TemplateSpec { Title = "订单发货通知", Content = "订单{{keyword1.DATA}}\n" }).TemplateId;

        var outcome = await ClientFor(app).SendOfficialTemplateAsync(new OfficialTemplateMessage("o-never-issued", template,
            new Dictionary<string, TemplateValue> { ["keyword1"] = new("A-1005") }));

        Assert.Equal((WeChatErrorKind.InvalidRecipient, 40003), (outcome.Kind, outcome.Error!.ErrCode));
        Assert.True(outcome.IsPermanent);
        Assert.False(outcome.Error.IsAccountWide);
        Assert.Equal(1, Server.Calls(app.AppId, "template_send"));
    }

    [Fact]
    public async Task An_official_template_send_to_someone_who_does_not_follow_is_NotFollowing()
    {
        var app = Server.NewApp("officialaccount");
        var template = Sim.DefineTemplate(app.AppId, new TemplateSpec { Title = "订单发货通知", Content = "订单{{keyword1.DATA}}\n" }).TemplateId;
        Sim.AddFollowers(app.AppId, ["o-leaver"]);
        Sim.RemoveFollower(app.AppId, "o-leaver");

        var outcome = await ClientFor(app).SendOfficialTemplateAsync(new OfficialTemplateMessage("o-leaver", template,
            new Dictionary<string, TemplateValue> { ["keyword1"] = new("A-1003") }));

        Assert.Equal(WeChatErrorKind.NotFollowing, outcome.Kind);
        Assert.Equal(43004, outcome.Error!.ErrCode);
    }

    [Fact]
    public async Task A_spent_daily_quota_is_QuotaExceeded_retryable_later_and_not_retried_now()
    {
        var (app, template, openId) = MiniProgramWithGrantedUser();
        Sim.SetDailyQuota(app.AppId, SimApi.SubscribeSend, 0);

        var outcome = await ClientFor(app).SendSubscribeAsync(Subscribe(openId, template));

        Assert.Equal(WeChatErrorKind.QuotaExceeded, outcome.Kind);
        Assert.Equal(45009, outcome.Error!.ErrCode);
        Assert.True(outcome.IsRetryable);
        Assert.True(outcome.Error.IsAccountWide);
        Assert.Equal(1, Server.Calls(app.AppId, "subscribe_send"));
    }

    [Fact]
    public async Task The_per_minute_limit_is_RateLimited_and_not_retried_now()
    {
        var (app, template, openId) = MiniProgramWithGrantedUser();
        Sim.AddFault(new FaultSpec { AppId = app.AppId, Api = "subscribe_send", Errcode = 45011 });

        var outcome = await ClientFor(app).SendSubscribeAsync(Subscribe(openId, template));

        Assert.Equal(WeChatErrorKind.RateLimited, outcome.Kind);
        Assert.Equal(45011, outcome.Error!.ErrCode);
        Assert.True(outcome.IsRetryable);
        Assert.Equal(1, Server.Calls(app.AppId, "subscribe_send"));
    }

    [Fact]
    public async Task An_errcode_the_client_does_not_know_is_Other_with_WeChats_code_and_message()
    {
        var (app, template, openId) = MiniProgramWithGrantedUser();
        Sim.AddFault(new FaultSpec { AppId = app.AppId, Api = "subscribe_send", Errcode = 50002, Message = "user limited" });

        var outcome = await ClientFor(app).SendSubscribeAsync(Subscribe(openId, template));

        Assert.Equal(WeChatErrorKind.Other, outcome.Kind);
        Assert.Equal(50002, outcome.Error!.ErrCode);
        Assert.Contains("user limited", outcome.Error.ErrMsg);
    }
}
