using System.Text.RegularExpressions;

namespace PushConsole.Templates;

/// <summary>A <c>{{key.DATA}}</c> of a template's content and the label written before it.</summary>
public sealed record ParsedField(string Key, string Label);

/// <summary>
/// Reads the fields out of a template's content as WeChat lists it, e.g. <c>会议时间:{{date2.DATA}}\n会议地点:{{thing1.DATA}}</c>:
/// keys in order of appearance (each once) and, as label, the text between the previous placeholder or line start and the key.
/// </summary>
public static partial class TemplateContentParser
{
    public static IReadOnlyList<ParsedField> Parse(string? content)
    {
        if (string.IsNullOrEmpty(content))
        {
            return [];
        }
        var fields = new List<ParsedField>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var labelStart = 0;
        foreach (Match match in Placeholder().Matches(content))
        {
            var before = content.AsSpan(labelStart, match.Index - labelStart);
            var lineBreak = before.LastIndexOfAny('\n', '\r');
            var label = (lineBreak >= 0 ? before[(lineBreak + 1)..] : before).Trim().TrimEnd(":：").Trim().ToString();
            var key = match.Groups[1].Value;
            if (seen.Add(key))
            {
                fields.Add(new ParsedField(key, label));
            }
            labelStart = match.Index + match.Length;
        }
        return fields;
    }

    // WeChat keys are a letter/underscore prefix and an optional number: thing1, character_string21, keyword3, first.
    [GeneratedRegex(@"\{\{\s*([A-Za-z_]+\d*)\.DATA\s*\}\}")]
    private static partial Regex Placeholder();
}
