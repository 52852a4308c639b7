using System.Net;
using System.Text.RegularExpressions;

namespace PushConsole.Tests.Infrastructure;

/// <summary>A browser-like client: cookies kept, redirects not followed, the sign-in form posted with its antiforgery token.</summary>
public sealed partial class FormClient(ConsoleHost host) : IDisposable
{
    private readonly HttpClient http = new(new SocketsHttpHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() })
    {
        BaseAddress = host.BaseAddress,
    };

    public async Task<HttpResponseMessage> SignInAsync(string email, string password, string returnUrl = "/")
    {
        var page = await http.GetStringAsync("account/login");
        var token = AntiforgeryField().Match(page).Groups[1].Value;
        return await http.PostAsync("account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token), ["Email"] = email, ["Password"] = password, ["ReturnUrl"] = returnUrl,
        }));
    }

    public Task<HttpResponseMessage> GetAsync(string path) => http.GetAsync(path);

    public void Dispose() => http.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
