using System.Globalization;
using System.Text;
using PushConsole.WeChat;

namespace PushConsole.Templates;

/// <summary>
/// A template ready to render many times (a broadcast renders it per recipient, thousands of times a second):
/// expressions are parsed and placeholder-free values rendered and checked once, here. Immutable, so one instance
/// may render on many threads. It copies what it needs, so later edits of the entity do not affect it.
/// </summary>
public sealed class CompiledTemplate
{
    private readonly CompiledField[] fields;
    private readonly TimeZoneInfo timeZone;
    private readonly TimeProvider time;
    private readonly bool hasDynamicFields;

    internal CompiledTemplate(MessageTemplate template, TimeZoneInfo timeZone, TimeProvider time, IReadOnlyList<FieldIssue> issues)
    {
        this.timeZone = timeZone;
        this.time = time;
        Id = template.Id;
        Kind = template.Kind;
        WeChatTemplateId = template.WeChatTemplateId;
        Title = template.Title;
        Page = Blank(template.Page);
        Url = Blank(template.Url);
        MiniProgram = Blank(template.MiniProgramAppId) is { } appId && Blank(template.MiniProgramPagePath) is { } path
            ? new MiniProgramLink(appId, path) : null;
        EmphasisKeyword = Blank(template.EmphasisKeyword);
        MiniProgramState = Blank(template.MiniProgramState);
        Lang = Blank(template.Lang);

        var templateIssues = new List<FieldIssue>(issues);
        if (Kind == TemplateKind.MiniProgramTemplate)
        {
            templateIssues.Add(new FieldIssue(null, IssueSeverity.Warning, null,
                ServiceText.Get("Template.Retired"), ServiceText.Get("Template.RetiredHint")));
        }
        fields = new CompiledField[template.Fields.Count];
        for (var i = 0; i < fields.Length; i++)
        {
            var field = template.Fields[i];
            var expression = ValueExpression.Parse(field.ValueExpression);
            foreach (var error in expression.Errors)
            {
                templateIssues.Add(new FieldIssue(field.Key, IssueSeverity.Error, null, $"{field.Key}: {error}"));
            }
            var color = Kind == TemplateKind.Subscribe ? null : Blank(field.Color);
            IReadOnlyList<string>? enumValues = field.EnumValues is { Count: > 0 } list ? [.. list] : null;
            TemplateValue? staticValue = null;
            FieldIssue? staticIssue = null;
            if (expression.IsStatic)
            {
                var value = expression.Segments.Length == 0 ? "" : string.Concat(expression.Segments.Select(s => s.Text));
                staticValue = new TemplateValue(value, color);
                staticIssue = expression.IsValid ? TemplateValueRules.Check(Kind, field.Key, value, enumValues) : null;
            }
            else
            {
                hasDynamicFields = true;
            }
            fields[i] = new CompiledField(field.Key, color, enumValues, expression, staticValue, staticIssue);
        }
        Issues = templateIssues;
    }

    public int Id { get; }
    public TemplateKind Kind { get; }
    public string WeChatTemplateId { get; }
    public string Title { get; }
    public string? Page { get; }
    public string? Url { get; }
    public MiniProgramLink? MiniProgram { get; }
    public string? EmphasisKeyword { get; }
    public string? MiniProgramState { get; }
    public string? Lang { get; }
    public TimeZoneInfo TimeZone => timeZone;

    /// <summary>Problems of the template itself, the same for every recipient (unknown placeholders, a retired kind).</summary>
    public IReadOnlyList<FieldIssue> Issues { get; }

    /// <summary>False when the template cannot be rendered as written: a run should not start.</summary>
    public bool IsValid => !Issues.Any(i => i.IsError);

    /// <summary>Renders one message. Never throws for bad values: they are in <see cref="RenderedMessage.Issues"/>.</summary>
    public RenderedMessage Render(in RenderContext context)
    {
        var data = new Dictionary<string, TemplateValue>(fields.Length, StringComparer.Ordinal);
        List<FieldIssue>? issues = Issues.Count > 0 ? [.. Issues] : null;
        DateTimeOffset local = default;
        StringBuilder? text = null;
        if (hasDynamicFields)
        {
            local = TimeZoneInfo.ConvertTime(time.GetUtcNow(), timeZone);
            text = new StringBuilder(64);
        }
        foreach (var field in fields)
        {
            FieldIssue? issue;
            if (field.StaticValue is { } staticValue)
            {
                data[field.Key] = staticValue;
                issue = field.StaticIssue;
            }
            else
            {
                text!.Clear();
                foreach (var segment in field.Expression.Segments)
                {
                    if (segment.Placeholder is not { } placeholder)
                    {
                        text.Append(segment.Text);
                    }
                    else if (!Append(text, placeholder, segment.Format, context, local))
                    {
                        (issues ??= []).Add(new FieldIssue(field.Key, IssueSeverity.Warning, null,
                            ServiceText.Get("Template.PlaceholderEmpty", field.Key, NameOf(placeholder)), ServiceText.Get("Template.PlaceholderEmptyHint")));
                    }
                }
                var value = text.ToString();
                data[field.Key] = new TemplateValue(value, field.Color);
                issue = field.Expression.IsValid ? TemplateValueRules.Check(Kind, field.Key, value, field.EnumValues) : null;
            }
            if (issue is not null)
            {
                (issues ??= []).Add(issue);
            }
        }
        return new RenderedMessage(this, context.OpenId, data, issues ?? (IReadOnlyList<FieldIssue>)[]);
    }

    /// <summary>Appends a placeholder's value; false when this run has none (e.g. {channel.name} in a campaign).</summary>
    private bool Append(StringBuilder text, Placeholder placeholder, string? format, in RenderContext context, DateTimeOffset local)
    {
        var culture = CultureInfo.InvariantCulture;
        switch (placeholder)
        {
            case Placeholder.Date:
                text.Append(local.ToString(format ?? ValueExpression.DefaultDateFormat, culture));
                return true;
            case Placeholder.Time:
                text.Append(local.ToString(format ?? ValueExpression.DefaultTimeFormat, culture));
                return true;
            case Placeholder.UserOpenId:
                text.Append(context.OpenId);
                return context.OpenId is not null;
            case Placeholder.CampaignName:
                text.Append(context.CampaignName);
                return context.CampaignName is not null;
            case Placeholder.ChannelName:
                text.Append(context.ChannelName);
                return context.ChannelName is not null;
            case Placeholder.ChannelStartsAt when context.ChannelStartsAt is { } startsAt:
                text.Append(TimeZoneInfo.ConvertTime(startsAt, timeZone).ToString(format ?? ValueExpression.DefaultDateTimeFormat, culture));
                return true;
            default:
                return false;
        }
    }

    private static string NameOf(Placeholder placeholder) => ValueExpression.Known.First(k => k.Placeholder == placeholder).Name;

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private sealed record CompiledField(string Key, string? Color, IReadOnlyList<string>? EnumValues, ValueExpression Expression,
        TemplateValue? StaticValue, FieldIssue? StaticIssue);
}
