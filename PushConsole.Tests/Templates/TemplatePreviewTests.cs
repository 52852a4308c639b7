using Microsoft.Extensions.Time.Testing;
using PushConsole.Accounts;
using PushConsole.Templates;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.Templates;

public class TemplatePreviewTests
{
    [Fact]
    public void The_official_account_preview_shows_fields_cut_at_20_characters_hides_first_and_warns()
    {
        var input = new TemplateInput
        {
            Kind = TemplateKind.OfficialAccountTemplate,
            Title = "Order shipped",
            Content = "{{first.DATA}}\n订单：{{keyword1.DATA}}\n{{remark.DATA}}",
            Fields = [new() { Key = "first", ValueExpression = "Hello" }, new() { Key = "keyword1", ValueExpression = new string('长', 25) }],
        };
        var template = input.ToTemplate();
        var renderer = new TemplateRenderer(new FakeTimeProvider(DateTimeOffset.UnixEpoch));

        var preview = TemplatePreview.Of(template, renderer.Compile(template, new WeChatAccount { TimeZone = "UTC" }).Render(new RenderContext("o")));

        Assert.Equal(["first", "keyword1", "remark"], preview.Lines.Select(l => l.Key));
        Assert.Null(preview.Lines[0].Shown);
        Assert.Equal(new string('长', 20) + "…", preview.Lines[1].Shown);
        Assert.Equal("订单", preview.Lines[1].Label);
        Assert.Contains(preview.Lines[1].Issues, i => i.Message.Contains("truncated"));
        Assert.False(preview.HasErrors);
    }
}
