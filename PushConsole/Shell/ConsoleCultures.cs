using System.Globalization;
using Microsoft.AspNetCore.Localization;

namespace PushConsole.Shell;

/// <summary>
/// The console speaks English and Chinese. The language follows the browser's Accept-Language until the user picks one
/// in the app bar; the pick is remembered in ASP.NET Core's culture cookie.
/// </summary>
public static class ConsoleCultures
{
    public const string English = "en";
    public const string Chinese = "zh-CN";
    public static readonly string[] All = [English, Chinese];

    public static WebApplicationBuilder AddConsoleCultures(this WebApplicationBuilder builder)
    {
        builder.Services.AddLocalization();
        builder.Services.Configure<RequestLocalizationOptions>(options =>
        {
            options.SetDefaultCulture(English).AddSupportedCultures(All).AddSupportedUICultures(All);
            // "zh", "zh-Hans" and "zh-Hans-CN" from a browser all mean the console's Chinese.
            options.FallBackToParentCultures = true;
            options.FallBackToParentUICultures = true;
            options.RequestCultureProviders = [new CookieRequestCultureProvider(), new ChineseAcceptLanguageProvider()];
        });
        return builder;
    }

    /// <summary>Sets the language cookie and goes back to the page the switch was used on.</summary>
    public static WebApplication MapCultureSwitch(this WebApplication app)
    {
        app.MapGet("/culture", (string culture, string? returnUrl, HttpContext http) =>
        {
            if (All.Contains(culture, StringComparer.OrdinalIgnoreCase))
            {
                http.Response.Cookies.Append(CookieRequestCultureProvider.DefaultCookieName,
                    CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
                    new CookieOptions { MaxAge = TimeSpan.FromDays(365), IsEssential = true, HttpOnly = true, SameSite = SameSiteMode.Lax });
            }
            var local = returnUrl is { Length: > 0 } && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//") && !returnUrl.StartsWith("/\\");
            return Results.LocalRedirect(local ? returnUrl! : "/");
        }).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    /// <summary>The address of the switch for a page: <paramref name="culture"/> and back to <paramref name="returnUrl"/>.</summary>
    public static string SwitchUrl(string culture, string returnUrl) =>
        $"culture?culture={Uri.EscapeDataString(culture)}&returnUrl={Uri.EscapeDataString(returnUrl)}";

    /// <summary>Accept-Language with every Chinese tag (zh, zh-Hans, zh-TW…) read as the console's Chinese.</summary>
    private sealed class ChineseAcceptLanguageProvider : RequestCultureProvider
    {
        private readonly AcceptLanguageHeaderRequestCultureProvider header = new();

        public override async Task<ProviderCultureResult?> DetermineProviderCultureResult(HttpContext httpContext)
        {
            var languages = httpContext.Request.GetTypedHeaders().AcceptLanguage;
            foreach (var language in languages.OrderByDescending(l => l.Quality ?? 1))
            {
                var tag = language.Value.Value ?? "";
                if (tag.StartsWith("zh", StringComparison.OrdinalIgnoreCase))
                {
                    return new ProviderCultureResult(Chinese);
                }
                if (tag.StartsWith("en", StringComparison.OrdinalIgnoreCase))
                {
                    return new ProviderCultureResult(English);
                }
            }
            return await header.DetermineProviderCultureResult(httpContext);
        }
    }

    public static bool IsChinese => CultureInfo.CurrentUICulture.Name.StartsWith("zh", StringComparison.OrdinalIgnoreCase);
}
