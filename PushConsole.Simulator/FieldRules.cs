using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace PushConsole.Simulator;

/// <summary>Value type of a template field, from its key prefix (reference §4.1 rule table).</summary>
public enum FieldRule
{
    /// <summary>No type rule (legacy keys such as keyword1, first, remark).</summary>
    Free,
    Thing,
    Number,
    Letter,
    Symbol,
    CharacterString,
    Time,
    Date,
    Amount,
    PhoneNumber,
    CarNumber,
    Name,
    Phrase,
    Enum,
    Const,
}

/// <summary>Subscribe / category-template field validation (errors → 47003).</summary>
public static partial class FieldRules
{
    /// <summary>Rule of a key from its prefix: <c>thing12</c> → Thing, <c>keyword1</c> → Free.</summary>
    public static FieldRule RuleOf(string key)
    {
        var end = key.Length;
        while (end > 0 && char.IsAsciiDigit(key[end - 1])) end--;
        return key.AsSpan(0, end) switch
        {
            "thing" => FieldRule.Thing,
            "number" => FieldRule.Number,
            "letter" => FieldRule.Letter,
            "symbol" => FieldRule.Symbol,
            "character_string" => FieldRule.CharacterString,
            "time" => FieldRule.Time,
            "date" => FieldRule.Date,
            "amount" => FieldRule.Amount,
            "phone_number" => FieldRule.PhoneNumber,
            "car_number" => FieldRule.CarNumber,
            "name" => FieldRule.Name,
            "phrase" => FieldRule.Phrase,
            "enum" or "enum_string" => FieldRule.Enum,
            "const" => FieldRule.Const,
            _ => FieldRule.Free,
        };
    }

    /// <summary>True when <paramref name="value"/> (non-empty) satisfies <paramref name="rule"/>.</summary>
    public static bool IsValid(FieldRule rule, ReadOnlySpan<char> value, string[]? enumValues)
    {
        switch (rule)
        {
            case FieldRule.Free:
                return true;
            case FieldRule.Thing:
                return Length(value) <= 20;
            case FieldRule.Number:
                return value.Length <= 32 && NumberRegex().IsMatch(value);
            case FieldRule.Letter:
                if (value.Length > 32) return false;
                foreach (var c in value) if (!char.IsAsciiLetter(c)) return false;
                return true;
            case FieldRule.Symbol:
                if (Length(value) > 5) return false;
                foreach (var r in value.EnumerateRunes()) if (!IsSymbol(r)) return false;
                return true;
            case FieldRule.CharacterString:
                if (value.Length > 32) return false;
                foreach (var c in value) if (c < '!' || c > '~') return false;
                return true;
            case FieldRule.Time:
                return TimeRegex().IsMatch(value);
            case FieldRule.Date:
                return DateRegex().IsMatch(value);
            case FieldRule.Amount:
                return AmountRegex().IsMatch(value);
            case FieldRule.PhoneNumber:
                if (value.Length > 17) return false;
                foreach (var c in value) if (!(char.IsAsciiDigit(c) || (c < 128 && IsSymbol(new Rune(c))))) return false;
                return true;
            case FieldRule.CarNumber:
                return IsCarNumber(value);
            case FieldRule.Name:
                return IsName(value);
            case FieldRule.Phrase:
                if (Length(value) > 5) return false;
                foreach (var r in value.EnumerateRunes()) if (!IsChinese(r)) return false;
                return true;
            case FieldRule.Enum:
            case FieldRule.Const:
                if (enumValues is null || enumValues.Length == 0) return rule != FieldRule.Const || Length(value) <= 20;
                foreach (var e in enumValues) if (value.SequenceEqual(e)) return true;
                return false;
            default:
                return true;
        }
    }

    /// <summary>Length in user-perceived characters (runes).</summary>
    public static int Length(ReadOnlySpan<char> value)
    {
        var n = 0;
        foreach (var _ in value.EnumerateRunes()) n++;
        return n;
    }

    internal static bool IsChinese(Rune r) =>
        r.Value is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2FA1F or >= 0xF900 and <= 0xFAFF;

    private static bool IsSymbol(Rune r)
    {
        if (Rune.IsWhiteSpace(r) || Rune.IsLetterOrDigit(r)) return false;
        var cat = Rune.GetUnicodeCategory(r);
        return cat is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
            or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation
            or UnicodeCategory.OtherPunctuation or UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol
            or UnicodeCategory.ModifierSymbol or UnicodeCategory.OtherSymbol;
    }

    private static bool IsCarNumber(ReadOnlySpan<char> value)
    {
        var runes = new List<Rune>(10);
        foreach (var r in value.EnumerateRunes()) runes.Add(r);
        if (runes.Count is < 1 or > 8) return false;
        for (var i = 0; i < runes.Count; i++)
        {
            var r = runes[i];
            var asciiAlnum = r.IsAscii && char.IsAsciiLetterOrDigit((char)r.Value);
            if (asciiAlnum) continue;
            if ((i == 0 || i == runes.Count - 1) && IsChinese(r)) continue;
            return false;
        }
        return true;
    }

    private static bool IsName(ReadOnlySpan<char> value)
    {
        var hasChinese = false;
        var n = 0;
        foreach (var r in value.EnumerateRunes())
        {
            n++;
            if (IsChinese(r)) { hasChinese = true; continue; }
            if (Rune.IsDigit(r)) return false;
            if (!(Rune.IsLetter(r) || IsSymbol(r) || r.Value == ' ' || r.Value == '·')) return false;
        }
        return hasChinese ? n <= 10 : n <= 20;
    }

    private const string DatePart = @"\d{4}(?:年\d{1,2}月\d{1,2}日|[-/.]\d{1,2}[-/.]\d{1,2})";
    private const string TimePart = @"(?:[01]?\d|2[0-3])(?::[0-5]\d){1,2}";

    [GeneratedRegex(@"^[+-]?\d+(?:\.\d+)?$")]
    private static partial Regex NumberRegex();

    [GeneratedRegex("^(?:" + DatePart + @"\s*)?" + TimePart + @"(?:\s*~\s*(?:" + DatePart + @"\s*)?" + TimePart + ")?$")]
    private static partial Regex TimeRegex();

    [GeneratedRegex("^" + DatePart + @"(?:\s*" + TimePart + @")?(?:\s*~\s*" + DatePart + @"(?:\s*" + TimePart + ")?)?$")]
    private static partial Regex DateRegex();

    [GeneratedRegex(@"^[¥￥$€£]?\d{1,10}(?:\.\d{1,2})?元?$")]
    private static partial Regex AmountRegex();
}
