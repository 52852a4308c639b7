using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace PushConsole.Templates;

/// <summary>
/// WeChat's field value rules (wechat-api.md §4.1, §5.4), checked locally so an admin sees the 47003 before sending:
/// <list type="bullet">
/// <item>subscribe messages: every key must have a value and typed keys follow their type (thing ≤ 20, ...);</item>
/// <item>official account messages: typed keys of category templates follow the same rules (47003), other keys are
/// never refused; WeChat shows every field cut to 20 characters on one line (warning), and no longer shows first/remark;</item>
/// <item>legacy mini program template messages: no value rules.</item>
/// </list>
/// The 47003 messages have WeChat's shape in English: <c>argument invalid! data.&lt;key&gt;.value is empty|invalid</c>;
/// every text is in the reader's language (ServiceText).
/// </summary>
public static partial class TemplateValueRules
{
    public const int ArgumentInvalid = 47003;
    /// <summary>Characters an official account shows of a field since 2023-05-04; the rest is cut with an ellipsis.</summary>
    public const int OfficialAccountDisplayLimit = 20;

    /// <summary>Checks one value; null when WeChat would take it as it is.</summary>
    public static FieldIssue? Check(TemplateKind kind, string key, string? value, IReadOnlyList<string>? enumValues = null)
    {
        value ??= "";
        var type = FieldTypes.Of(key);
        switch (kind)
        {
            case TemplateKind.Subscribe:
                return CheckTyped(key, type, value, enumValues);
            // Category template keys are refused like subscribe ones; every field, typed or not, is shown cut at 20.
            case TemplateKind.OfficialAccountTemplate when type != FieldType.Free:
                return CheckTyped(key, type, value, enumValues) ?? CheckOfficialDisplay(key, value);
            case TemplateKind.OfficialAccountTemplate:
                return CheckOfficialDisplay(key, value);
            default:
                return null;
        }
    }

    /// <summary>Whether a non-empty value satisfies its type.</summary>
    public static bool IsValid(FieldType type, string value, IReadOnlyList<string>? enumValues = null) => type switch
    {
        FieldType.Free => true,
        FieldType.Thing => Length(value) <= 20,
        FieldType.Number => value.Length <= 32 && NumberPattern().IsMatch(value),
        FieldType.Letter => value.Length <= 32 && value.All(char.IsAsciiLetter),
        FieldType.Symbol => Length(value) <= 5 && value.EnumerateRunes().All(IsSymbol),
        FieldType.CharacterString => value.Length <= 32 && value.All(c => c is >= '!' and <= '~'),
        FieldType.Time => TimePattern().IsMatch(value),
        FieldType.Date => DatePattern().IsMatch(value),
        FieldType.Amount => AmountPattern().IsMatch(value),
        FieldType.PhoneNumber => value.Length <= 17 && value.All(c => char.IsAsciiDigit(c) || (c < 128 && IsSymbol(new Rune(c)))),
        FieldType.CarNumber => IsCarNumber(value),
        FieldType.Name => IsName(value),
        FieldType.Phrase => Length(value) <= 5 && value.EnumerateRunes().All(IsChinese),
        // Without WeChat's list the value cannot be checked here; const values are at most 20 characters anyway.
        FieldType.Enum or FieldType.Const when enumValues is null || enumValues.Count == 0 => type != FieldType.Const || Length(value) <= 20,
        FieldType.Enum or FieldType.Const => enumValues!.Contains(value, StringComparer.Ordinal),
        _ => true,
    };

    /// <summary>Length as a reader counts it: one per character, however many UTF-16 units it takes.</summary>
    public static int Length(string value)
    {
        var n = 0;
        foreach (var _ in value.EnumerateRunes())
        {
            n++;
        }
        return n;
    }

    private static FieldIssue? CheckTyped(string key, FieldType type, string value, IReadOnlyList<string>? enumValues)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return new FieldIssue(key, IssueSeverity.Error, ArgumentInvalid, ServiceText.Get("Value.Empty", key),
                ServiceText.Get("Value.EmptyHint"));
        }
        if (IsValid(type, value, enumValues))
        {
            return null;
        }
        var hint = type switch
        {
            FieldType.Thing or FieldType.Phrase or FieldType.Symbol or FieldType.Name or FieldType.CarNumber
                => ServiceText.Get("Value.HasLength", FieldTypes.RuleOf(type), Length(value)),
            FieldType.Enum or FieldType.Const when enumValues is { Count: > 0 } => $"{FieldTypes.RuleOf(type)}: {string.Join(", ", enumValues)}",
            _ => FieldTypes.RuleOf(type),
        };
        return new FieldIssue(key, IssueSeverity.Error, ArgumentInvalid, ServiceText.Get("Value.Invalid", key), hint);
    }

    private static FieldIssue? CheckOfficialDisplay(string key, string value)
    {
        if (key is "first" or "remark")
        {
            return string.IsNullOrEmpty(value) ? null : new FieldIssue(key, IssueSeverity.Warning, null,
                ServiceText.Get("Value.NotShown", key), ServiceText.Get("Value.NotShownHint"));
        }
        if (value.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            return new FieldIssue(key, IssueSeverity.Warning, null, ServiceText.Get("Value.LineBreak", key),
                ServiceText.Get("Value.LineBreakHint"));
        }
        var length = Length(value);
        return length <= OfficialAccountDisplayLimit ? null : new FieldIssue(key, IssueSeverity.Warning, null,
            ServiceText.Get("Value.Truncated", key, OfficialAccountDisplayLimit),
            ServiceText.Get("Value.TruncatedHint", length, OfficialAccountDisplayLimit));
    }

    internal static bool IsChinese(Rune r) =>
        r.Value is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2FA1F or >= 0xF900 and <= 0xFAFF;

    private static bool IsSymbol(Rune r)
    {
        if (Rune.IsWhiteSpace(r) || Rune.IsLetterOrDigit(r))
        {
            return false;
        }
        return Rune.GetUnicodeCategory(r) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation or UnicodeCategory.MathSymbol
            or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol or UnicodeCategory.OtherSymbol;
    }

    // First and last may be a province or suffix character (粤B12345, 京A1234警); the rest letters and digits.
    private static bool IsCarNumber(string value)
    {
        var runes = value.EnumerateRunes().ToList();
        if (runes.Count is < 1 or > 8)
        {
            return false;
        }
        for (var i = 0; i < runes.Count; i++)
        {
            var r = runes[i];
            if (r.IsAscii && char.IsAsciiLetterOrDigit((char)r.Value))
            {
                continue;
            }
            if ((i == 0 || i == runes.Count - 1) && IsChinese(r))
            {
                continue;
            }
            return false;
        }
        return true;
    }

    // Any Chinese character makes the whole name count as Chinese (≤ 10); otherwise ≤ 20 letters and symbols.
    private static bool IsName(string value)
    {
        var chinese = false;
        var n = 0;
        foreach (var r in value.EnumerateRunes())
        {
            n++;
            if (IsChinese(r))
            {
                chinese = true;
                continue;
            }
            if (Rune.IsDigit(r) || !(Rune.IsLetter(r) || IsSymbol(r) || r.Value == ' ' || r.Value == '·'))
            {
                return false;
            }
        }
        return chinese ? n <= 10 : n <= 20;
    }

    private const string DatePart = @"\d{4}(?:年\d{1,2}月\d{1,2}日|[-/.]\d{1,2}[-/.]\d{1,2})";
    private const string TimePart = @"(?:[01]?\d|2[0-3])(?::[0-5]\d){1,2}";

    [GeneratedRegex(@"^[+-]?\d+(?:\.\d+)?$")]
    private static partial Regex NumberPattern();

    [GeneratedRegex("^(?:" + DatePart + @"\s*)?" + TimePart + @"(?:\s*~\s*(?:" + DatePart + @"\s*)?" + TimePart + ")?$")]
    private static partial Regex TimePattern();

    [GeneratedRegex("^" + DatePart + @"(?:\s*" + TimePart + @")?(?:\s*~\s*" + DatePart + @"(?:\s*" + TimePart + ")?)?$")]
    private static partial Regex DatePattern();

    [GeneratedRegex(@"^[¥￥$€£]?\d{1,10}(?:\.\d{1,2})?元?$")]
    private static partial Regex AmountPattern();
}
