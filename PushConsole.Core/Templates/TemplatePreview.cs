namespace PushConsole.Templates;

/// <summary>One line of the preview card: a field as the recipient would see it, with what local validation says.</summary>
public sealed record PreviewLine(
    string Key,
    string Label,
    FieldType Type,
    string Rule,
    string Value,
    // What the recipient sees: official accounts cut fields at 20 characters and no longer show first/remark (null).
    string? Shown,
    string? Color,
    IReadOnlyList<FieldIssue> Issues);

/// <summary>A rendered message laid out for people: the editor's live preview and the API's preview answer.</summary>
public sealed record TemplatePreview(string Title, IReadOnlyList<PreviewLine> Lines, IReadOnlyList<FieldIssue> TemplateIssues, RenderedMessage Message)
{
    public bool HasErrors => Message.HasErrors;

    public static TemplatePreview Of(MessageTemplate template, RenderedMessage message)
    {
        var official = template.Kind == TemplateKind.OfficialAccountTemplate;
        var lines = template.Fields.Select(f =>
        {
            var value = message.Data.TryGetValue(f.Key, out var v) ? v.Value : "";
            var type = FieldTypes.Of(f.Key);
            return new PreviewLine(f.Key, string.IsNullOrEmpty(f.Label) ? f.Key : f.Label, type, FieldTypes.RuleOf(type), value,
                official ? ShownByOfficialAccount(f.Key, value) : value,
                message.Data.TryGetValue(f.Key, out var d) ? d.Color : null,
                message.Issues.Where(i => i.Key == f.Key).ToList());
        }).ToList();
        return new TemplatePreview(template.Title, lines, message.Issues.Where(i => i.Key is null).ToList(), message);
    }

    private static string? ShownByOfficialAccount(string key, string value)
    {
        if (key is "first" or "remark")
        {
            return null;
        }
        var oneLine = value.Replace("\r", "").Replace("\n", "");
        var runes = oneLine.EnumerateRunes().ToList();
        return runes.Count <= TemplateValueRules.OfficialAccountDisplayLimit
            ? oneLine
            : string.Concat(runes.Take(TemplateValueRules.OfficialAccountDisplayLimit).Select(r => r.ToString())) + "…";
    }
}
