using Microsoft.Playwright;

namespace PushConsole.Tests.Infrastructure;

/// <summary>One Debian Chromium for the browser tests of a collection, driven by Playwright (no browser download).</summary>
public sealed class Browser : IAsyncLifetime
{
    private IPlaywright? playwright;
    public IBrowser Chromium { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var executable = Environment.GetEnvironmentVariable("PUSHCONSOLE_CHROMIUM") ?? "/usr/bin/chromium";
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException($"Chromium not found at {executable}; run the suite with ./test.sh, which installs it.");
        }
        playwright = await Playwright.CreateAsync();
        Chromium = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic"],
        });
    }

    public async Task<IPage> NewPageAsync(Uri baseAddress)
    {
        var context = await Chromium.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseAddress.ToString() });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        if (Chromium is not null) await Chromium.DisposeAsync();
        playwright?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<Browser>
{
    public const string Name = "Browser";
}

public static class PageExtensions
{
    /// <summary>Signs in through the login form and waits for the interactive shell (clicks during prerender are lost).</summary>
    public static async Task SignInAsync(this IPage page, string email, string password)
    {
        await page.GotoAsync("account/login");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("#sign-in");
        await page.WaitForInteractiveAsync();
    }

    public static async Task WaitForInteractiveAsync(this IPage page)
    {
        await Assertions.Expect(page.Locator("#interactive")).ToHaveTextAsync("True", new() { Timeout = 20_000 });
    }
}
