using PushConsole.Simulator;
using TemplateKind = PushConsole.Templates.TemplateKind;
using PushConsole.WeChat;

namespace PushConsole.Tests.WeChat;

/// <summary>Login, followers and template listing against the simulator.</summary>
public class WeChatEndpointTests : WeChatTestBase
{
    protected override void ConfigureSimulator(SimulatorOptions options) => options.UserGetPageSize = 10;

    [Fact]
    public async Task Code2Session_returns_the_users_openid_and_session_key()
    {
        var app = Server.NewApp();
        var code = Sim.MintLoginCode(app.AppId, "o-login-user");

        var session = await ClientFor(app).Code2SessionAsync(code);

        Assert.True(session.Succeeded, session.ToString());
        Assert.Equal("o-login-user", session.Value.OpenId);
        Assert.False(string.IsNullOrEmpty(session.Value.SessionKey));
    }

    [Fact]
    public async Task A_login_code_used_twice_is_CredentialUsed_and_an_unknown_one_CredentialInvalid()
    {
        var app = Server.NewApp();
        var client = ClientFor(app);
        var code = Sim.MintLoginCode(app.AppId, "o-login-user");
        Assert.True((await client.Code2SessionAsync(code)).Succeeded);

        var reused = await client.Code2SessionAsync(code);
        var unknown = await client.Code2SessionAsync("not-a-code");

        Assert.Equal(WeChatErrorKind.CredentialUsed, reused.Error!.Kind);
        Assert.Equal(40163, reused.Error.ErrCode);
        Assert.Equal(WeChatErrorKind.CredentialInvalid, unknown.Error!.Kind);
        Assert.Equal(40029, unknown.Error.ErrCode);
        Assert.Equal(0, Server.TokenFetches(app.AppId));
    }

    [Fact]
    public async Task Followers_are_paged_to_the_end_including_the_empty_page_without_data()
    {
        var app = Server.NewApp("officialaccount");
        Sim.GenerateFollowers(app.AppId, 25);
        var client = ClientFor(app);

        var all = new List<string>();
        var pages = new List<FollowerPage>();
        string? next = null;
        do
        {
            var page = await client.GetFollowersAsync(next);
            Assert.True(page.Succeeded, page.ToString());
            pages.Add(page.Value);
            all.AddRange(page.Value.OpenIds);
            next = page.Value.NextOpenId;
        }
        while (pages[^1].HasMore);
        // Asked once more with the last openid, WeChat answers count 0 and no data at all.
        var beyond = await client.GetFollowersAsync(all[^1]);

        Assert.Equal(25, all.Count);
        Assert.Equal(25, all.Distinct().Count());
        Assert.All(pages, p => Assert.Equal(25, p.Total));
        Assert.True(beyond.Succeeded, beyond.ToString());
        Assert.Empty(beyond.Value.OpenIds);
        Assert.False(beyond.Value.HasMore);
    }

    [Fact]
    public async Task A_mini_programs_templates_are_its_subscribe_templates_and_every_page_of_its_legacy_ones()
    {
        var app = Server.NewApp();
        Sim.DefineTemplate(app.AppId, new TemplateSpec
        {
            Title = "会议提醒", Content = "会议时间:{{date2.DATA}}\n状态:{{enum_string3.DATA}}\n", Kind = "subscribe", Type = 3,
            Enums = new Dictionary<string, string[]> { ["enum_string3"] = ["已确认", "已取消"] },
        });
        for (var i = 0; i < 23; i++)
        {
            Sim.DefineTemplate(app.AppId, new TemplateSpec { Title = $"通知{i}", Content = "商品{{keyword1.DATA}}\n时间{{keyword2.DATA}}\n", Kind = "legacy" });
        }

        var templates = await ClientFor(app).ListTemplatesAsync();

        Assert.True(templates.Succeeded, templates.ToString());
        var subscribe = Assert.Single(templates.Value, t => t.Kind == TemplateKind.Subscribe);
        Assert.True(subscribe.LongTerm);
        Assert.Equal(["date2", "enum_string3"], subscribe.FieldKeys);
        Assert.Equal(["已确认", "已取消"], subscribe.EnumValues!["enum_string3"]);
        var legacy = templates.Value.Where(t => t.Kind == TemplateKind.MiniProgramTemplate).ToList();
        Assert.Equal(23, legacy.Count);
        Assert.Equal(23, legacy.Select(t => t.TemplateId).Distinct().Count());
        Assert.Equal(["keyword1", "keyword2"], legacy[0].FieldKeys);
    }

    [Fact]
    public async Task An_official_accounts_templates_are_its_private_templates()
    {
        var app = Server.NewApp("officialaccount");
        var id = Sim.DefineTemplate(app.AppId, new TemplateSpec { Title = "订单发货通知", Content = "订单号:{{character_string1.DATA}}\n物流:{{thing2.DATA}}\n" }).TemplateId;

        var templates = await ClientFor(app).ListTemplatesAsync();

        Assert.True(templates.Succeeded, templates.ToString());
        var template = Assert.Single(templates.Value);
        Assert.Equal(id, template.TemplateId);
        Assert.Equal(TemplateKind.OfficialAccountTemplate, template.Kind);
        Assert.Equal("订单发货通知", template.Title);
        Assert.Equal(["character_string1", "thing2"], template.FieldKeys);
    }
}

/// <summary>The errcode table: the same code means different things on token, login and business endpoints.</summary>
public class WeChatErrorClassificationTests
{
    [Theory]
    [InlineData(40001, WeChatErrorKind.TokenInvalid)]
    [InlineData(40014, WeChatErrorKind.TokenInvalid)]
    [InlineData(42001, WeChatErrorKind.TokenInvalid)]
    [InlineData(41028, WeChatErrorKind.CredentialInvalid)]
    [InlineData(41029, WeChatErrorKind.CredentialUsed)]
    [InlineData(43101, WeChatErrorKind.NoGrant)]
    [InlineData(43004, WeChatErrorKind.NotFollowing)]
    [InlineData(40037, WeChatErrorKind.BadTemplate)]
    [InlineData(47003, WeChatErrorKind.BadData)]
    [InlineData(45009, WeChatErrorKind.QuotaExceeded)]
    [InlineData(45011, WeChatErrorKind.RateLimited)]
    [InlineData(-1, WeChatErrorKind.Transient)]
    [InlineData(40164, WeChatErrorKind.Configuration)]
    [InlineData(48001, WeChatErrorKind.Configuration)]
    [InlineData(45103, WeChatErrorKind.Retired)]
    [InlineData(45109, WeChatErrorKind.Retired)]
    [InlineData(41030, WeChatErrorKind.Other)]
    public void Business_endpoint_errcodes_are_classified(int errcode, WeChatErrorKind kind) =>
        Assert.Equal(kind, WeChatError.From(errcode, "x", WeChatEndpointKind.Business).Kind);

    [Theory]
    [InlineData(40001, WeChatErrorKind.Configuration)]
    [InlineData(40013, WeChatErrorKind.Configuration)]
    [InlineData(40125, WeChatErrorKind.Configuration)]
    [InlineData(40164, WeChatErrorKind.Configuration)]
    [InlineData(45009, WeChatErrorKind.QuotaExceeded)]
    [InlineData(-1, WeChatErrorKind.Transient)]
    public void Token_endpoint_errcodes_are_classified(int errcode, WeChatErrorKind kind) =>
        Assert.Equal(kind, WeChatError.From(errcode, "x", WeChatEndpointKind.Token).Kind);

    [Fact]
    public void Only_transient_and_limit_failures_are_retryable()
    {
        var retryable = Enum.GetValues<WeChatErrorKind>().Where(k => new WeChatError(k, 1, "").IsRetryable).ToHashSet();

        Assert.Equal(new HashSet<WeChatErrorKind> { WeChatErrorKind.Transient, WeChatErrorKind.RateLimited, WeChatErrorKind.QuotaExceeded, WeChatErrorKind.TokenInvalid }, retryable);
    }

    [Theory]
    [InlineData("argument invalid! data.thing14.value is empty rid: 6512-abc", "thing14")]
    [InlineData("argument invalid! data.phrase3.value invalid hint: [xyz]", "phrase3")]
    [InlineData("argument invalid! data.character_string21.value invalid", "character_string21")]
    [InlineData("argument invalid!", null)]
    public void A_bad_data_errmsg_names_the_field(string errmsg, string? field) =>
        Assert.Equal(field, WeChatError.From(47003, errmsg, WeChatEndpointKind.Business).Field);
}
