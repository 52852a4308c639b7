namespace PushConsole.Templates;

/// <summary>
/// The value type of a template field, named by its key's prefix (<c>thing12</c> is a <see cref="Thing"/>).
/// WeChat checks subscribe messages and official account category templates against these types (47003 otherwise);
/// keys without a typed prefix (<c>keyword1</c>, <c>first</c>, <c>remark</c>, <c>result</c>) are free text.
/// </summary>
public enum FieldType
{
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

public static class FieldTypes
{
    /// <summary>The type of a key: its prefix without the trailing number, e.g. <c>character_string21</c> → CharacterString.</summary>
    public static FieldType Of(string key)
    {
        var end = key.Length;
        while (end > 0 && char.IsAsciiDigit(key[end - 1]))
        {
            end--;
        }
        return key.AsSpan(0, end) switch
        {
            "thing" => FieldType.Thing,
            "number" => FieldType.Number,
            "letter" => FieldType.Letter,
            "symbol" => FieldType.Symbol,
            "character_string" => FieldType.CharacterString,
            "time" => FieldType.Time,
            "date" => FieldType.Date,
            "amount" => FieldType.Amount,
            "phone_number" => FieldType.PhoneNumber,
            "car_number" => FieldType.CarNumber,
            "name" => FieldType.Name,
            "phrase" => FieldType.Phrase,
            "enum" or "enum_string" => FieldType.Enum,
            "const" => FieldType.Const,
            _ => FieldType.Free,
        };
    }

    /// <summary>WeChat's rule for the type, in words, for the editor (wechat-api.md §4.1).</summary>
    public static string RuleOf(FieldType type) => ServiceText.Get($"FieldRule.{type}");
}
