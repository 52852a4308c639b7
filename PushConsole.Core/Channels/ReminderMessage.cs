using PushConsole.Templates;
using PushConsole.WeChat;

namespace PushConsole.Channels;

/// <summary>
/// The reminder of one channel occurrence: the channel's template compiled once per broadcast with the channel's field
/// values, link and mini program page, rendered per follower with {channel.name} and {channel.startsAt} (the start in
/// the channel's time zone) by the template renderer.
/// </summary>
public sealed class ReminderMessage
{
    private const string SampleOpenId = "oReminderPreview";
    private readonly CompiledTemplate compiled;
    private readonly RenderContext context;

    private ReminderMessage(CompiledTemplate compiled, RenderContext context)
    {
        this.compiled = compiled;
        this.context = context;
    }

    /// <summary>What the first follower would get: for checks and previews.</summary>
    public RenderedMessage Sample => compiled.Render(context.For(SampleOpenId));

    /// <summary>Compiles the reminder, or says why WeChat would refuse every copy of it (so nobody is sent a broken one).</summary>
    public static (ReminderMessage? Message, string? Problem) Prepare(TemplateRenderer renderer, Channel channel, MessageTemplate template)
    {
        var zone = ChannelTime.Zone(channel.TimeZone) ?? TimeZoneInfo.Utc;
        var message = new ReminderMessage(renderer.Compile(WithChannelValues(template, channel), zone),
            new RenderContext(ChannelName: channel.Name, ChannelStartsAt: channel.StartsAt));
        var errors = message.Sample.Issues.Where(i => i.IsError).Select(i => i.Message).Distinct().ToList();
        return errors.Count == 0 ? (message, null) : (null, ServiceText.Stored("Reminder.Unsendable", string.Join("; ", errors)));
    }

    public OfficialTemplateMessage For(string openId) => compiled.Render(context.For(openId)).ToOfficialTemplateMessage();

    /// <summary>The template as this channel sends it: its field values, link and mini program page over the template's own.</summary>
    public static MessageTemplate WithChannelValues(MessageTemplate template, Channel channel)
    {
        var fields = template.Fields.Count > 0
            ? template.Fields
            : TemplateContentParser.Parse(template.Content).Select(f => new TemplateField { Key = f.Key, Label = f.Label }).ToList();
        var miniProgram = !string.IsNullOrWhiteSpace(channel.MiniProgramAppId);
        return new MessageTemplate
        {
            Id = template.Id,
            AccountId = template.AccountId,
            Kind = template.Kind,
            WeChatTemplateId = template.WeChatTemplateId,
            Title = template.Title,
            Content = template.Content,
            Enabled = template.Enabled,
            Url = string.IsNullOrWhiteSpace(channel.Url) ? template.Url : channel.Url,
            MiniProgramAppId = miniProgram ? channel.MiniProgramAppId : template.MiniProgramAppId,
            MiniProgramPagePath = miniProgram ? channel.MiniProgramPagePath : template.MiniProgramPagePath,
            Fields = fields.Select(f => new TemplateField
            {
                Key = f.Key,
                Label = f.Label,
                Color = f.Color,
                EnumValues = f.EnumValues,
                ValueExpression = channel.Fields.FirstOrDefault(c => c.Key == f.Key)?.Value ?? f.ValueExpression,
            }).ToList(),
        };
    }
}
