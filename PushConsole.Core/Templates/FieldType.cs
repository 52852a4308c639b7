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
    public static string RuleOf(FieldType type) => type switch
    {
        FieldType.Thing => "thing: up to 20 characters",
        FieldType.Number => "number: up to 32 digits, decimals allowed",
        FieldType.Letter => "letter: up to 32 letters only",
        FieldType.Symbol => "symbol: up to 5 symbols only",
        FieldType.CharacterString => "character_string: up to 32 digits, letters or symbols (no Chinese)",
        FieldType.Time => "time: 24-hour time, optionally with a date (15:01, 2019年10月1日 15:01), ranges with ~",
        FieldType.Date => "date: a date, optionally with a 24-hour time (2019年10月1日, 2019-10-01 15:01), ranges with ~",
        FieldType.Amount => "amount: a currency symbol and up to 10 digits, decimals allowed, may end with 元",
        FieldType.PhoneNumber => "phone_number: up to 17 digits and symbols (+86-0766-66888866)",
        FieldType.CarNumber => "car_number: up to 8 characters; first and last may be Chinese, the rest letters and digits",
        FieldType.Name => "name: up to 10 Chinese characters, or up to 20 letters and symbols",
        FieldType.Phrase => "phrase: up to 5 Chinese characters only",
        FieldType.Enum => "enum: one of the template's listed values",
        FieldType.Const => "const: one of the template's approved values (up to 20 characters)",
        _ => "free text",
    };
}
