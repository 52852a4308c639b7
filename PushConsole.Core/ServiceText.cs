using System.Globalization;
using System.Resources;

namespace PushConsole;

/// <summary>
/// What the services say back to a person (validation errors, refusals), in the reader's language: ServiceText.resx
/// (English) and ServiceText.zh-CN.resx, chosen by the current UI culture — the request's in the API, the page's in the console.
/// </summary>
public static class ServiceText
{
    private static readonly ResourceManager Resources = new("PushConsole.ServiceText", typeof(ServiceText).Assembly);

    public static string Get(string key, params object?[] arguments)
    {
        var text = Resources.GetString(key, CultureInfo.CurrentUICulture) ?? key;
        return arguments.Length == 0 ? text : string.Format(CultureInfo.CurrentCulture, text, arguments);
    }
}
