using System.Globalization;
using System.Resources;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PushConsole;

/// <summary>
/// What the services say back to a person (validation errors, refusals), in the reader's language: ServiceText.resx
/// (English) and ServiceText.zh-CN.resx, chosen by the current UI culture — the request's in the API, the page's in the console.
/// </summary>
public static class ServiceText
{
    private static readonly ResourceManager Resources = new("PushConsole.ServiceText", typeof(ServiceText).Assembly);

    private const string StoredPrefix = "text:";

    /// <summary>The text of <paramref name="key"/> in the current language, or null when there is no such text.</summary>
    public static string? Find(string key) => Resources.GetString(key, CultureInfo.CurrentUICulture);

    /// <summary>The text of <paramref name="key"/> in <paramref name="culture"/>: for code that runs outside the request's culture
    /// (an exception handler in front of the localization middleware).</summary>
    public static string In(CultureInfo culture, string key) => Resources.GetString(key, culture) ?? key;

    public static string Get(string key, params object?[] arguments)
    {
        var text = Resources.GetString(key, CultureInfo.CurrentUICulture) ?? key;
        return arguments.Length == 0 ? text : string.Format(CultureInfo.CurrentCulture, text, arguments);
    }

    /// <summary>
    /// A text kept in the database and read later by someone whose language is not known now (a run's or a reminder's
    /// reason, written by a background job): stored as its key and arguments, shown with <see cref="Show"/> in the
    /// reader's language. Arguments are kept as strings (format numbers before); an argument may itself be stored text.
    /// </summary>
    public static string Stored(string key, params object?[] arguments) => StoredPrefix + JsonSerializer.Serialize(
        new StoredText(key, arguments.Select(a => Convert.ToString(a, CultureInfo.InvariantCulture) ?? "").ToArray()), StoredJson.Default.StoredText);

    /// <summary>The stored text in the current language; a text stored as plain words (older rows, a person's words) as it is.</summary>
    public static string? Show(string? stored)
    {
        if (stored is null || !stored.StartsWith(StoredPrefix, StringComparison.Ordinal))
        {
            return stored;
        }
        try
        {
            var text = JsonSerializer.Deserialize(stored.AsSpan(StoredPrefix.Length), StoredJson.Default.StoredText);
            return text is null ? stored : Get(text.Key, text.Arguments.Select(a => (object?)Show(a)).ToArray());
        }
        catch (JsonException)
        {
            // Cut by the column's length, say: better the raw text than none.
            return stored;
        }
    }
}

internal sealed record StoredText(string Key, string[] Arguments);

[JsonSerializable(typeof(StoredText))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class StoredJson : JsonSerializerContext
{
}
