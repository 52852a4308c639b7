using System.Globalization;
using System.Text;

namespace PushConsole.Templates;

/// <summary>The placeholders a value expression may use.</summary>
public enum Placeholder
{
    Date,
    Time,
    UserOpenId,
    CampaignName,
    ChannelName,
    ChannelStartsAt,
}

/// <summary>
/// A field's value expression, parsed once: static text with placeholders such as <c>{date}</c>, <c>{user.openid}</c>,
/// <c>{channel.startsAt:M月d日 HH:mm}</c>. Date and time placeholders take an optional .NET format after a colon;
/// <c>{{</c> and <c>}}</c> stand for literal braces. Parsing never throws: problems are in <see cref="Errors"/>.
/// </summary>
public sealed class ValueExpression
{
    public const string DefaultDateFormat = "yyyy-MM-dd";
    public const string DefaultTimeFormat = "HH:mm";
    public const string DefaultDateTimeFormat = "yyyy-MM-dd HH:mm";

    /// <summary>Every placeholder by the name written between braces (what it stands for: <see cref="Describe"/>).</summary>
    public static readonly IReadOnlyList<(string Name, Placeholder Placeholder)> Known =
    [
        ("date", Placeholder.Date),
        ("time", Placeholder.Time),
        ("user.openid", Placeholder.UserOpenId),
        ("campaign.name", Placeholder.CampaignName),
        ("channel.name", Placeholder.ChannelName),
        ("channel.startsAt", Placeholder.ChannelStartsAt),
    ];

    /// <summary>What a placeholder stands for, in the reader's language (shown in the editor).</summary>
    public static string Describe(Placeholder placeholder) => ServiceText.Get($"Placeholder.{placeholder}");

    private static readonly Dictionary<string, Placeholder> ByName = Known.ToDictionary(k => k.Name, k => k.Placeholder, StringComparer.Ordinal);

    private ValueExpression(string text, Segment[] segments, IReadOnlyList<string> errors)
    {
        Text = text;
        Segments = segments;
        Errors = errors;
    }

    public string Text { get; }
    internal Segment[] Segments { get; }
    public IReadOnlyList<string> Errors { get; }
    public bool IsValid => Errors.Count == 0;

    /// <summary>Whether the value is the same for every recipient and every moment (no placeholders).</summary>
    public bool IsStatic => Segments.All(s => s.Placeholder is null);

    public IEnumerable<Placeholder> Placeholders => Segments.Where(s => s.Placeholder is not null).Select(s => s.Placeholder!.Value);

    /// <summary>One piece: literal text, or a placeholder with its format.</summary>
    internal readonly record struct Segment(string? Text, Placeholder? Placeholder, string? Format);

    public static ValueExpression Parse(string? text)
    {
        text ??= "";
        var segments = new List<Segment>();
        var errors = new List<string>();
        var literal = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if ((c == '{' || c == '}') && i + 1 < text.Length && text[i + 1] == c)
            {
                literal.Append(c);
                i += 2;
                continue;
            }
            if (c != '{')
            {
                literal.Append(c);
                i++;
                continue;
            }
            var close = text.IndexOf('}', i + 1);
            if (close < 0)
            {
                errors.Add(ServiceText.Get("Template.BraceOpen", i + 1));
                literal.Append(text, i, text.Length - i);
                break;
            }
            var inner = text.AsSpan(i + 1, close - i - 1).Trim();
            var colon = inner.IndexOf(':');
            var name = (colon < 0 ? inner : inner[..colon]).Trim().ToString();
            var format = colon < 0 ? null : inner[(colon + 1)..].ToString();
            if (!ByName.TryGetValue(name, out var placeholder))
            {
                errors.Add(ServiceText.Get("Template.UnknownPlaceholder", $"{{{name}}}", string.Join(", ", Known.Select(k => "{" + k.Name + "}"))));
                literal.Append(text, i, close - i + 1);
            }
            else if (format is not null && placeholder is not (Placeholder.Date or Placeholder.Time or Placeholder.ChannelStartsAt))
            {
                errors.Add(ServiceText.Get("Template.NoFormat", $"{{{name}}}"));
                literal.Append(text, i, close - i + 1);
            }
            else if (format is not null && !IsUsableFormat(format))
            {
                errors.Add(ServiceText.Get("Template.BadFormat", format, $"{{{name}:{format}}}"));
                literal.Append(text, i, close - i + 1);
            }
            else
            {
                if (literal.Length > 0)
                {
                    segments.Add(new Segment(literal.ToString(), null, null));
                    literal.Clear();
                }
                segments.Add(new Segment(null, placeholder, string.IsNullOrEmpty(format) ? null : format));
            }
            i = close + 1;
        }
        if (literal.Length > 0)
        {
            segments.Add(new Segment(literal.ToString(), null, null));
        }
        return new ValueExpression(text, [.. segments], errors);
    }

    private static bool IsUsableFormat(string format)
    {
        if (string.IsNullOrWhiteSpace(format))
        {
            return false;
        }
        try
        {
            _ = new DateTime(2024, 1, 2, 3, 4, 5).ToString(format, CultureInfo.InvariantCulture);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
