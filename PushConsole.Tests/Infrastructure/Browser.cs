using Microsoft.Playwright;

namespace PushConsole.Tests.Infrastructure;

/// <summary>One Debian Chromium for the browser tests of a collection, driven by Playwright (no browser download).</summary>
public sealed class Browser : IAsyncLifetime
{
    private IPlaywright? playwright;
    private readonly List<(Uri Host, IBrowserContext Context)> contexts = [];
    public IBrowser Chromium { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var executable = Environment.GetEnvironmentVariable("PUSHCONSOLE_CHROMIUM") ?? "/usr/bin/chromium";
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException($"Chromium not found at {executable}; run the suite with ./test.sh, which installs it.");
        }
        // Assertions wait for a condition; on a busy 2-core machine a server round trip (sign-in hashes a password, a
        // circuit starts) takes longer than Playwright's default of 5 s, and waiting longer costs nothing when it holds.
        Assertions.SetDefaultExpectTimeout(15_000);
        playwright = await Playwright.CreateAsync();
        Chromium = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic"],
        });
    }

    /// <summary>A page in a context of its own; <paramref name="locale"/> is the browser's language (its Accept-Language).</summary>
    public async Task<IPage> NewPageAsync(Uri baseAddress, string? locale = null)
    {
        // Tests of a collection run one after another, each on its own host: pages of an earlier host are that earlier
        // test's, and left open their Blazor circuits keep retrying a dead server and burn the CPU the next tests need.
        await CloseContextsAsync(host => host != baseAddress);
        var context = await Chromium.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseAddress.ToString(), Locale = locale });
        contexts.Add((baseAddress, context));
        context.SetDefaultTimeout(15_000);
        // A navigation is bounded more loosely than an action: the first page a fresh host serves renders cold (JIT,
        // component discovery) while other tests and builds share the two cores, and that took more than 15 s.
        context.SetDefaultNavigationTimeout(60_000);
        var page = await context.NewPageAsync();
        // Keep what the browser complained about: a test that fails on the page then says why.
        var log = PageExtensions.ConsoleOf(page);
        page.Console += (_, message) => { if (message.Type is "error" or "warning") log.Add($"{message.Type}: {message.Text}"); };
        page.PageError += (_, error) => log.Add($"page error: {error}");
        return page;
    }

    private async Task CloseContextsAsync(Func<Uri, bool> which)
    {
        foreach (var entry in contexts.Where(entry => which(entry.Host)).ToList())
        {
            contexts.Remove(entry);
            await entry.Context.CloseAsync();
        }
    }

    public async Task DisposeAsync()
    {
        await CloseContextsAsync(_ => true);
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
        // Only the form is needed, not the page's "load" event (every stylesheet and script fetched and run): the fill
        // waits for the field itself.
        await page.GotoAsync("account/login", new() { WaitUntil = WaitUntilState.Commit });
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("#sign-in");
        await page.WaitForInteractiveAsync();
    }

    /// <summary>Opens the MudSelect whose input has <paramref name="selectId"/> and picks the item showing <paramref name="text"/>.</summary>
    public static async Task ChooseAsync(this IPage page, string selectId, string text)
    {
        await page.Locator("div.mud-select", new() { Has = page.Locator(selectId) }).First.ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasTextString = text }).First.ClickAsync();
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IPage, List<string>> Consoles = new();

    public static List<string> ConsoleOf(IPage page) => Consoles.GetOrCreateValue(page);

    public static async Task WaitForInteractiveAsync(this IPage page)
    {
        try
        {
            await Assertions.Expect(page.Locator("#interactive")).ToHaveTextAsync("True", new() { Timeout = 20_000 });
        }
        catch (PlaywrightException e)
        {
            throw new InvalidOperationException(
                $"The page did not become interactive. Browser console:\n{string.Join("\n", ConsoleOf(page))}", e);
        }
    }
}
