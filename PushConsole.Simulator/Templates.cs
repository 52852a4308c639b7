using System.Text.RegularExpressions;

namespace PushConsole.Simulator;

/// <summary>What a template is used with.</summary>
public enum TemplateKind
{
    /// <summary>Mini program subscribe message template (wxaapi/newtmpl, priTmplId).</summary>
    Subscribe,
    /// <summary>Mini program legacy template (cgi-bin/wxopen/template/list, keywordN).</summary>
    Legacy,
    /// <summary>Official account template (get_all_private_template).</summary>
    Official,
}

/// <summary>A defined template: content holds <c>{{key.DATA}}</c> placeholders.</summary>
public sealed partial class TemplateDef
{
    internal TemplateDef(string id, string title, string content, TemplateKind kind, int type, string? example,
        IReadOnlyDictionary<string, string[]>? enums, string? primaryIndustry, string? deputyIndustry)
    {
        Id = id;
        Title = title;
        Content = content;
        Kind = kind;
        Type = type;
        Example = example ?? "";
        PrimaryIndustry = primaryIndustry ?? "IT科技";
        DeputyIndustry = deputyIndustry ?? "互联网|电子商务";
        var keys = new List<string>();
        foreach (Match m in KeyRegex().Matches(content))
        {
            var k = m.Groups[1].Value;
            if (!keys.Contains(k)) keys.Add(k);
        }
        Keys = keys.ToArray();
        Rules = Keys.Select(FieldRules.RuleOf).ToArray();
        Enums = enums?.ToDictionary(e => e.Key, e => e.Value) ?? new Dictionary<string, string[]>();
        EnumsByIndex = Keys.Select(k => Enums.TryGetValue(k, out var v) ? v : null).ToArray();
    }

    public string Id { get; }
    public string Title { get; }
    public string Content { get; }
    public TemplateKind Kind { get; }
    /// <summary>Subscribe templates: 2 = one-time, 3 = long-term. 0 otherwise.</summary>
    public int Type { get; }
    public string Example { get; }
    public string PrimaryIndustry { get; }
    public string DeputyIndustry { get; }
    /// <summary>Keys in content order.</summary>
    public string[] Keys { get; }
    public FieldRule[] Rules { get; }
    /// <summary>Enumerated values per key (enum_string / const keys).</summary>
    public IReadOnlyDictionary<string, string[]> Enums { get; }
    internal string[]?[] EnumsByIndex { get; }

    /// <summary>Renders content with values (as a user would see it; OA: ≤20 chars per field, first/remark dropped).</summary>
    public string Render(IReadOnlyDictionary<string, string> values)
    {
        var oa = Kind == TemplateKind.Official;
        return KeyRegex().Replace(Content, m =>
        {
            var key = m.Groups[1].Value;
            if (oa && key is "first" or "remark") return "";
            if (!values.TryGetValue(key, out var v)) return "";
            if (oa)
            {
                v = v.Replace("\r", "").Replace("\n", "");
                if (FieldRules.Length(v) > 20)
                {
                    var runes = v.EnumerateRunes().Take(20).Select(r => r.ToString());
                    v = string.Concat(runes) + "…";
                }
            }
            return v;
        });
    }

    [GeneratedRegex(@"\{\{\s*([A-Za-z_]+\d*)\.DATA\s*\}\}")]
    internal static partial Regex KeyRegex();
}
