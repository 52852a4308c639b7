using System.Net;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace PushConsole.Tests.Browser;

[Collection(BrowserCollection.Name)]
public class SecurityHeadersBrowserTests(Infrastructure.Browser browser)
{
    [Fact]
    public async Task Pages_carry_the_security_headers_and_still_become_interactive_under_the_content_security_policy()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        var page = await browser.NewPageAsync(host.BaseAddress);
        var violations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase)) violations.Add(message.Text);
        };

        var login = await page.GotoAsync("account/login");
        await page.SignInAsync(ConsoleHost.AdminEmail, ConsoleHost.AdminPassword);
        await page.GotoAsync("channels");
        await page.WaitForInteractiveAsync();
        await page.ClickAsync("#add-channel");
        await Expect(page.Locator("#save-channel")).ToBeVisibleAsync(); // the click reached the circuit and a dialog opened

        var headers = await login!.AllHeadersAsync();
        Assert.Equal("nosniff", headers["x-content-type-options"]);
        Assert.Equal("DENY", headers["x-frame-options"]);
        Assert.Equal("strict-origin-when-cross-origin", headers["referrer-policy"]);
        var policy = headers["content-security-policy"];
        Assert.Contains("frame-ancestors 'none'", policy);
        Assert.Contains("script-src 'self';", policy);
        Assert.DoesNotContain("unsafe-eval", policy);
        Assert.False(headers.ContainsKey("strict-transport-security"), "HSTS over plain HTTP");
        Assert.Empty(violations);
    }

    [Fact]
    public async Task API_answers_carry_the_headers_too()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        using var api = host.CreateHttpClient(ConsoleHost.AdminApiToken);

        var response = await api.GetAsync("api/v1/accounts");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.NotEmpty(response.Headers.GetValues("Content-Security-Policy"));
    }
}
