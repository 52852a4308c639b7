using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace PushConsole.Tests.Browser;

[Collection(BrowserCollection.Name)]
public class WidthBrowserTests(Infrastructure.Browser browser)
{
    // 390 px phones share the 360 px layout (MudBlazor's xs breakpoint, below 600 px, where every width is fluid): a walk
    // at 390 as well took a third of this test's 100 s and found nothing that 360 did not.
    private static readonly int[] Widths = [360, 1440];

    /// <summary>MudBlazor's Md breakpoint, below which the layout's drawer is a fold-out.</summary>
    private const int NavigationFoldsBelow = 960;

    /// <summary>
    /// A phone held upright (360 px) and a laptop (1440 px): on every page the document is never wider than the
    /// window (a data grid may scroll inside its own box), and the page's main action, the menu button and the user menu
    /// with its sign-out lie inside the window.
    /// </summary>
    [Fact]
    public async Task Every_page_fits_a_phone_and_a_laptop_with_its_main_action_and_sign_out_in_reach()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite, new Dictionary<string, string?>
        {
            ["Demo:Enabled"] = "true", ["Demo:MiniProgramUsers"] = "40", ["Demo:Followers"] = "300",
        });
        await host.Services.GetRequiredService<PushConsole.Demo.DemoData>().Seeded.WaitAsync(TimeSpan.FromSeconds(60));
        await using var db = await host.Contexts().CreateDbContextAsync();
        var campaign = await db.Campaigns.OrderBy(c => c.Id).Select(c => c.Id).FirstAsync();
        var channel = await db.Channels.OrderBy(c => c.Id).Select(c => c.Id).FirstAsync();
        var run = await FirstRunAsync(db);
        var page = await browser.NewPageAsync(host.BaseAddress);
        await page.SignInAsync(ConsoleHost.AdminEmail, ConsoleHost.AdminPassword);

        // Each page: its address, what shows once its data is in, and its main action (null: the page has none).
        (string Path, string Ready, string? Action)[] pages =
        [
            ("", "#inventory-summary", null),
            ("credentials", "#as-of", "#refresh"),
            ("campaigns", "#campaigns-grid tbody tr", "#new-campaign"),
            ($"campaigns/{campaign}", "#campaign-title", "#run-now"),
            ($"campaigns/{campaign}/edit", "#campaign-name", "#save-campaign"),
            ("campaigns/new", "#campaign-name", "#save-campaign"),
            ("channels", "#channels-grid tbody tr", "#add-channel"),
            ($"channels/{channel}", "#channel-title", "#channel-public"),
            ("messages", "#messages-grid", "#filter-openid"),
            ("outcomes", "#runs-grid tbody tr", "#period-export"),
            ($"outcomes/runs/{run}", "#run-title", "#export-link"),
            ("lookup", "#lookup-openid", "#lookup-find"),
            ("templates", "#templates-grid tbody tr", "#add-template"),
            ("accounts", "#accounts-grid tbody tr", "#add-account"),
            ("users", "#users-grid tbody tr", "#add-user"),
            ("api-tokens", "#tokens-grid", "#create-token"),
            ("audit", "#audit-grid tbody tr", "#audit-search"),
        ];
        var found = new List<string>();
        foreach (var width in Widths)
        {
            await page.SetViewportSizeAsync(width, 800);
            // The app bar is every page's: its user menu opens with sign-out inside the window, and on a phone the
            // folded navigation opens too (each on a fresh page, so that neither covers the other).
            await page.GotoAsync("");
            await page.WaitForInteractiveAsync();
            await page.ClickAsync("#user-menu");
            if (await OutsideTheWindowAsync(page, "#sign-out") is { } signOut)
            {
                found.Add($"{width} px: #sign-out {signOut}");
            }
            await page.GotoAsync("");
            await page.WaitForInteractiveAsync();
            var accountsLink = page.Locator("#nav-drawer a[href='accounts']");
            if (width < NavigationFoldsBelow)
            {
                // Folded away once the page knows the window's width, so that it covers no page; the menu button opens it.
                // Until the drawer has learnt the width (a round trip to the browser after the circuit starts) it is open,
                // yet hidden by CSS below its breakpoint ("mud-drawer--initial"), and a click on the menu button would close
                // it: wait for it to be closed.
                await Expect(page.Locator("#nav-drawer")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bmud-drawer--closed\b"));
                await Expect(accountsLink).ToBeHiddenAsync();
                await page.ClickAsync("#nav-toggle");
            }
            if (await OutsideTheWindowAsync(page, "#nav-drawer a[href='accounts']") is { } link)
            {
                found.Add($"{width} px: the navigation's Accounts link {link}");
            }
            foreach (var (path, ready, action) in pages)
            {
                await page.GotoAsync(path);
                await page.WaitForInteractiveAsync();
                await Expect(page.Locator(ready).First).ToBeAttachedAsync();
                var where = $"{width} px /{path}";
                if (await WiderThanTheWindowAsync(page) is { } wider)
                {
                    found.Add($"{where}: the document is {wider}");
                }
                foreach (var selector in new[] { "#nav-toggle", "#user-menu", action })
                {
                    if (selector is not null && await OutsideTheWindowAsync(page, selector) is { } outside)
                    {
                        found.Add($"{where}: {selector} {outside}");
                    }
                }
            }
        }

        Assert.True(found.Count == 0, "Out of reach:\n" + string.Join("\n", found));
    }

    /// <summary>The demo's first push, whose run Quartz starts once the demo data is in.</summary>
    private static async Task<long> FirstRunAsync(PushConsoleDbContext db)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (await db.DeliveryRuns.OrderBy(r => r.Id).Select(r => (long?)r.Id).FirstOrDefaultAsync() is { } run)
            {
                return run;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The demo's first push did not start within 60 s.");
            }
            await Task.Delay(200);
        }
    }

    /// <summary>How much wider than the window the document is, naming the elements that stick out; null when it fits.</summary>
    private static async Task<string?> WiderThanTheWindowAsync(IPage page) => await page.EvaluateAsync<string?>("""
        () => {
            const root = document.documentElement;
            if (root.scrollWidth <= root.clientWidth) return null;
            const out = [...document.body.querySelectorAll('*')]
                .filter(e => e.getBoundingClientRect().right > root.clientWidth + 1 && e.children.length === 0)
                .slice(0, 5)
                .map(e => e.id ? '#' + e.id : e.tagName.toLowerCase() + '.' + [...e.classList].join('.'));
            return `${root.scrollWidth} px wide in a ${root.clientWidth} px window (${out.join(', ')})`;
        }
        """);

    /// <summary>Where the element lies when it is not wholly inside the window's width (once scrolled to); null when it is.</summary>
    private static async Task<string?> OutsideTheWindowAsync(IPage page, string selector)
    {
        var element = page.Locator(selector).First;
        await Expect(element).ToBeVisibleAsync();
        await element.ScrollIntoViewIfNeededAsync();
        var box = await element.BoundingBoxAsync();
        var window = page.ViewportSize!.Width;
        return box is not null && box.X >= 0 && box.X + box.Width <= window + 1
            ? null
            : $"lies at {box?.X:0}..{box?.X + box?.Width:0} px in a {window} px window";
    }
}
