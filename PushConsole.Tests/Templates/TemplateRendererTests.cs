using Microsoft.Extensions.Time.Testing;
using PushConsole.Accounts;
using PushConsole.Templates;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.Templates;

public class TemplateRendererTests
{
    // 16:30 UTC on New Year's Day is already 00:30 on 2 January in Shanghai (UTC+8) but still 11:30 on 1 January in New York.
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 16, 30, 0, TimeSpan.Zero);

    private static MessageTemplate Template(TemplateKind kind, params (string Key, string Expression)[] fields) => new()
    {
        Id = 7,
        Kind = kind,
        WeChatTemplateId = "tmpl-1",
        Title = "Reminder",
        Fields = fields.Select(f => new TemplateField { Key = f.Key, ValueExpression = f.Expression }).ToList(),
    };

    private static CompiledTemplate Compile(MessageTemplate template, string timeZone = "Asia/Shanghai") =>
        new TemplateRenderer(new FakeTimeProvider(Now)).Compile(template, new WeChatAccount { TimeZone = timeZone });

    [Fact]
    public void Every_placeholder_is_filled_from_the_context_with_date_and_time_in_the_accounts_time_zone()
    {
        var compiled = Compile(Template(TemplateKind.Subscribe,
            ("thing1", "{campaign.name} · {channel.name}"), ("character_string2", "{user.openid}"), ("date3", "{date}"),
            ("time4", "{time}"), ("time5", "{channel.startsAt}")));
        var context = new RenderContext("oUser1", "Sale", "Live", new DateTimeOffset(2026, 1, 3, 12, 0, 0, TimeSpan.Zero));

        var message = compiled.Render(context);

        Assert.Equal("Sale · Live", message.Data["thing1"].Value);
        Assert.Equal("oUser1", message.Data["character_string2"].Value);
        Assert.Equal("2026-01-02", message.Data["date3"].Value);
        Assert.Equal("00:30", message.Data["time4"].Value);
        Assert.Equal("2026-01-03 20:00", message.Data["time5"].Value);
        Assert.Empty(message.Issues);
        Assert.Equal("oUser1", message.ToUser);
    }

    [Fact]
    public void The_same_moment_renders_as_the_other_accounts_local_date()
    {
        var message = Compile(Template(TemplateKind.Subscribe, ("date1", "{date} {time}")), "America/New_York").Render(new RenderContext("o"));

        Assert.Equal("2026-01-01 11:30", message.Data["date1"].Value);
    }

    [Fact]
    public void Date_and_time_placeholders_take_a_format_and_double_braces_are_literal()
    {
        var message = Compile(Template(TemplateKind.OfficialAccountTemplate,
            ("keyword1", "{date:yyyy年M月d日} {channel.startsAt:HH:mm}"), ("keyword2", "{{literal}}"))).Render(
            new RenderContext("o", ChannelStartsAt: new DateTimeOffset(2026, 1, 3, 1, 5, 0, TimeSpan.Zero)));

        Assert.Equal("2026年1月2日 09:05", message.Data["keyword1"].Value);
        Assert.Equal("{literal}", message.Data["keyword2"].Value);
    }

    [Fact]
    public void An_unknown_placeholder_is_an_error_of_the_template_naming_the_field_and_the_known_placeholders()
    {
        var compiled = Compile(Template(TemplateKind.Subscribe, ("thing1", "Hi {user.nickname}"), ("thing2", "ok")));

        Assert.False(compiled.IsValid);
        var issue = Assert.Single(compiled.Issues);
        Assert.Equal("thing1", issue.Key);
        Assert.Contains("Unknown placeholder {user.nickname}", issue.Message);
        Assert.Contains("{campaign.name}", issue.Message);
        Assert.True(compiled.Render(new RenderContext("o")).HasErrors);
    }

    [Theory]
    [InlineData("{date", "not closed")]
    [InlineData("{user.openid:X}", "takes no format")]
    [InlineData("{}", "Unknown placeholder {}")]
    public void Malformed_expressions_are_errors_too(string expression, string expected)
    {
        var errors = ValueExpression.Parse(expression).Errors;

        Assert.Contains(errors, e => e.Contains(expected));
    }

    [Fact]
    public void Rendered_values_are_checked_so_a_long_campaign_name_gives_the_47003_wechat_would()
    {
        var compiled = Compile(Template(TemplateKind.Subscribe, ("thing1", "{campaign.name}")));

        var message = compiled.Render(new RenderContext("o", CampaignName: new string('长', 25)));

        Assert.True(message.HasErrors);
        Assert.Equal("argument invalid! data.thing1.value invalid", Assert.Single(message.Issues).Message);
    }

    [Fact]
    public void A_placeholder_the_run_has_no_value_for_renders_empty_and_says_so()
    {
        var message = Compile(Template(TemplateKind.OfficialAccountTemplate, ("keyword1", "Channel {channel.name}"))).Render(new RenderContext("o", CampaignName: "c"));

        Assert.Equal("Channel ", message.Data["keyword1"].Value);
        var issue = Assert.Single(message.Issues);
        Assert.Equal(IssueSeverity.Warning, issue.Severity);
        Assert.Contains("{channel.name} has no value", issue.Message);
    }

    [Fact]
    public void Colours_go_to_legacy_kinds_only_and_jump_targets_come_with_the_message()
    {
        var legacy = Template(TemplateKind.MiniProgramTemplate, ("keyword1", "x"));
        legacy.Fields[0].Color = "#173177";
        legacy.Page = "pages/index/index?id=1";
        legacy.EmphasisKeyword = "keyword1.DATA";
        var subscribe = Template(TemplateKind.Subscribe, ("thing1", "x"));
        subscribe.Fields[0].Color = "#173177";
        var official = Template(TemplateKind.OfficialAccountTemplate, ("keyword1", "x"));
        official.Url = "https://example.com/a";
        official.MiniProgramAppId = "wxmini";
        official.MiniProgramPagePath = "pages/a";

        var legacyMessage = Compile(legacy).Render(new RenderContext("o"));
        var subscribeMessage = Compile(subscribe).Render(new RenderContext("o"));
        var officialMessage = Compile(official).Render(new RenderContext("o")).ToOfficialTemplateMessage();

        Assert.Equal("#173177", legacyMessage.Data["keyword1"].Color);
        Assert.Equal("pages/index/index?id=1", legacyMessage.ToMiniProgramTemplateMessage("form-1").Page);
        Assert.Equal("keyword1.DATA", legacyMessage.EmphasisKeyword);
        Assert.Contains(legacyMessage.Issues, i => i.Message.Contains("retired"));
        Assert.Null(subscribeMessage.Data["thing1"].Color);
        Assert.Equal("https://example.com/a", officialMessage.Url);
        Assert.Equal(new PushConsole.WeChat.MiniProgramLink("wxmini", "pages/a"), officialMessage.MiniProgram);
    }

    [Fact]
    public void A_compiled_template_renders_fresh_time_on_each_call_and_reuses_static_values()
    {
        var clock = new FakeTimeProvider(Now);
        var compiled = new TemplateRenderer(clock).Compile(Template(TemplateKind.Subscribe, ("time1", "{time}"), ("thing2", "static")), TimeZoneInfo.Utc);

        var first = compiled.Render(new RenderContext("a"));
        clock.Advance(TimeSpan.FromMinutes(1));
        var second = compiled.Render(new RenderContext("b"));

        Assert.Equal("16:30", first.Data["time1"].Value);
        Assert.Equal("16:31", second.Data["time1"].Value);
        Assert.Same(first.Data["thing2"], second.Data["thing2"]);
    }

    [Fact]
    public void Rendering_a_hundred_thousand_recipients_takes_well_under_a_second_per_ten_thousand()
    {
        var compiled = Compile(Template(TemplateKind.Subscribe, ("thing1", "{campaign.name}"), ("character_string2", "{user.openid}"),
            ("time3", "{date} {time}"), ("thing4", "Static text")));
        var run = new RenderContext(CampaignName: "Spring sale");
        compiled.Render(run.For("warm-up"));

        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 100_000; i++)
        {
            Assert.False(compiled.Render(run.For("oUser" + i)).HasErrors);
        }

        // 10,000 sends/s leaves far more than this per message; the bound is loose so a busy test machine passes.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"100,000 renders took {watch.Elapsed}");
    }

    [Fact]
    public void An_unknown_account_time_zone_is_an_error_of_the_compiled_template()
    {
        var compiled = Compile(Template(TemplateKind.Subscribe, ("thing1", "x")), "Mars/Olympus");

        Assert.False(compiled.IsValid);
        Assert.Contains("Mars/Olympus", Assert.Single(compiled.Issues).Message);
    }
}
