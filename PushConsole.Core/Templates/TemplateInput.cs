namespace PushConsole.Templates;

/// <summary>The value expression (and colour, enum values) an admin gives one key of the content.</summary>
public sealed class TemplateFieldInput
{
    public string Key { get; set; } = "";
    public string ValueExpression { get; set; } = "";
    public string? Color { get; set; }
    public List<string>? EnumValues { get; set; }

    public static TemplateFieldInput From(TemplateField f) =>
        new() { Key = f.Key, ValueExpression = f.ValueExpression, Color = f.Color, EnumValues = f.EnumValues is null ? null : [.. f.EnumValues] };
}

/// <summary>
/// What an admin may set on a template. The fields follow the content: each <c>{{key.DATA}}</c> becomes a field with
/// its label, and <see cref="Fields"/> only give values to those keys.
/// </summary>
public sealed class TemplateInput
{
    public int AccountId { get; set; }
    public TemplateKind Kind { get; set; } = TemplateKind.Subscribe;
    public string WeChatTemplateId { get; set; } = "";
    public string Title { get; set; } = "";
    public string Content { get; set; } = "";
    public List<TemplateFieldInput> Fields { get; set; } = [];
    public string? Example { get; set; }
    public bool LongTerm { get; set; }
    public string? Page { get; set; }
    public string? Url { get; set; }
    public string? MiniProgramAppId { get; set; }
    public string? MiniProgramPagePath { get; set; }
    public string? EmphasisKeyword { get; set; }
    public string? MiniProgramState { get; set; }
    public string? Lang { get; set; }
    public bool Enabled { get; set; } = true;

    public static TemplateInput From(MessageTemplate t) => new()
    {
        AccountId = t.AccountId, Kind = t.Kind, WeChatTemplateId = t.WeChatTemplateId, Title = t.Title, Content = t.Content,
        Fields = t.Fields.Select(TemplateFieldInput.From).ToList(), Example = t.Example, LongTerm = t.LongTerm, Page = t.Page,
        Url = t.Url, MiniProgramAppId = t.MiniProgramAppId, MiniProgramPagePath = t.MiniProgramPagePath,
        EmphasisKeyword = t.EmphasisKeyword, MiniProgramState = t.MiniProgramState, Lang = t.Lang, Enabled = t.Enabled,
    };

    /// <summary>
    /// Makes <see cref="Fields"/> follow the content: one per key in content order, keeping what was entered for keys
    /// that stay. Called as the admin edits the content, and before saving.
    /// </summary>
    public void SyncFieldsWithContent()
    {
        var byKey = Fields.GroupBy(f => f.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        Fields = TemplateContentParser.Parse(Content)
            .Select(p => byKey.TryGetValue(p.Key, out var kept) ? kept : new TemplateFieldInput { Key = p.Key })
            .ToList();
    }

    /// <summary>The template this input describes (not saved), e.g. for the live preview of an unsaved template.</summary>
    public MessageTemplate ToTemplate()
    {
        var template = new MessageTemplate { AccountId = AccountId };
        ApplyTo(template);
        return template;
    }

    internal void ApplyTo(MessageTemplate template)
    {
        var values = Fields.GroupBy(f => f.Key.Trim(), StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        template.AccountId = AccountId;
        template.Kind = Kind;
        template.WeChatTemplateId = WeChatTemplateId.Trim();
        template.Title = Title.Trim();
        template.Content = Content;
        template.Fields = TemplateContentParser.Parse(Content).Select(p =>
        {
            values.TryGetValue(p.Key, out var given);
            return new TemplateField
            {
                Key = p.Key,
                Label = p.Label,
                ValueExpression = given?.ValueExpression ?? "",
                Color = Blank(given?.Color),
                EnumValues = given?.EnumValues is { Count: > 0 } e ? e.Select(v => v.Trim()).Where(v => v.Length > 0).ToList() : null,
            };
        }).ToList();
        template.Example = Blank(Example);
        template.LongTerm = Kind == TemplateKind.Subscribe && LongTerm;
        template.Page = Kind == TemplateKind.OfficialAccountTemplate ? null : Blank(Page);
        template.Url = Kind == TemplateKind.OfficialAccountTemplate ? Blank(Url) : null;
        template.MiniProgramAppId = Kind == TemplateKind.OfficialAccountTemplate ? Blank(MiniProgramAppId) : null;
        template.MiniProgramPagePath = Kind == TemplateKind.OfficialAccountTemplate ? Blank(MiniProgramPagePath) : null;
        template.EmphasisKeyword = Kind == TemplateKind.MiniProgramTemplate ? NormalizeEmphasis(EmphasisKeyword) : null;
        template.MiniProgramState = Kind == TemplateKind.Subscribe ? Blank(MiniProgramState) : null;
        template.Lang = Kind == TemplateKind.Subscribe ? Blank(Lang) : null;
        template.Enabled = Enabled;
    }

    // WeChat wants "keyword1.DATA"; admins often type just the key.
    internal static string? NormalizeEmphasis(string? keyword) => Blank(keyword) is { } k
        ? k.EndsWith(".DATA", StringComparison.Ordinal) ? k : k + ".DATA"
        : null;

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
