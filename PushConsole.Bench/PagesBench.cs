using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using PushConsole.Credentials;
using PushConsole.Persistence;

namespace PushConsole.Bench;

/// <summary>
/// Every page of the console, opened in Debian's Chromium by a signed-in admin, timed from the navigation to the
/// page being interactive (the layout's circuit marker says so) — over the demo data, and optionally with the
/// dashboards bench's large account beside it (<c>--credentials 10000000 --users 1000000 --ledger 1000000</c>).
/// Each page is opened <c>--repeats</c> times; the first opening is the cold one. <c>--only "campaign edit"</c> times the pages
/// whose name contains it.
/// </summary>
public static class PagesBench
{
    private const string Email = "bench@pushconsole.local";
    private const string Password = "Bench-Pa55word";

    public static async Task<int> RunAsync(BenchArguments args)
    {
        var credentials = args.Number("credentials", 0);
        var users = Math.Max(1, args.Number("users", Math.Max(1, credentials / 10)));
        var ledgerRows = args.Number("ledger", 0);
        var repeats = args.Number("repeats", 3);
        // One page (or a few) by name, e.g. --only "campaign edit", to look into one without timing them all.
        var only = args.Text("only", "");
        var chromium = args.Text("chromium", Environment.GetEnvironmentVariable("PUSHCONSOLE_CHROMIUM") ?? "/usr/bin/chromium");
        var database = await BenchDatabase.CreateAsync(args);
        Console.WriteLine($"load average before the run: {IntakeBench.LoadAverage()}");
        Console.WriteLine($"pages: {database.Provider}, demo data + {credentials:N0} credentials over {users:N0} users, {ledgerRows:N0} ledger rows; {repeats} openings each");

        await using var host = new BenchHost(database, new Dictionary<string, string?>
        {
            // The demo data needs the embedded simulator, which it points its accounts at.
            ["WeChat:Simulator:Enabled"] = "true",
            ["Demo:Enabled"] = "true",
        }).Start();
        var contexts = host.Services.GetRequiredService<IDbContextFactory<PushConsoleDbContext>>();
        var time = host.Services.GetRequiredService<TimeProvider>();
        await host.Services.GetRequiredService<PushConsole.Demo.DemoData>().Seeded.WaitAsync(TimeSpan.FromMinutes(5));
        if (credentials > 0 || ledgerRows > 0)
        {
            // The dashboards bench's account (reused from a --database file it seeded, or seeded here).
            var seeding = Stopwatch.StartNew();
            await DashboardBench.SeededAsync(host, contexts, credentials, users, ledgerRows, Math.Min(100_000, ledgerRows), time);
            Console.WriteLine($"  large account ready in {seeding.Elapsed.TotalSeconds:F0} s; load average: {IntakeBench.LoadAverage()}");
        }

        var pages = (await PagesAsync(contexts)).Where(p => only.Length == 0 || p.Name.Contains(only, StringComparison.OrdinalIgnoreCase)).ToList();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium, Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = host.BaseAddress.ToString() });
        context.SetDefaultTimeout(60_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync("account/login", new() { WaitUntil = WaitUntilState.Commit });
        await page.FillAsync("#email", Email);
        await page.FillAsync("#password", Password);
        await page.ClickAsync("#sign-in");
        await WaitInteractiveAsync(page);

        Console.WriteLine();
        Console.WriteLine($"| {"page",-34} | {"first",9} | {"median",9} | {"max",9} |");
        Console.WriteLine($"|{new string('-', 36)}|{new string('-', 11)}|{new string('-', 11)}|{new string('-', 11)}|");
        var slowest = 0.0;
        foreach (var (name, path) in pages)
        {
            var times = new List<double>();
            for (var i = 0; i < repeats; i++)
            {
                var watch = Stopwatch.StartNew();
                // From asking for the page to its circuit being up and the page rendered in it.
                await page.GotoAsync(path, new() { WaitUntil = WaitUntilState.Commit });
                await WaitInteractiveAsync(page);
                times.Add(watch.Elapsed.TotalMilliseconds);
            }
            var first = times[0];
            times.Sort();
            slowest = Math.Max(slowest, times[times.Count / 2]);
            Console.WriteLine($"| {name,-34} | {first,6:F0} ms | {times[times.Count / 2],6:F0} ms | {times[^1],6:F0} ms |");
        }
        Console.WriteLine();
        var target = credentials >= 1_000_000 ? 2000 : 1000;
        Console.WriteLine($"slowest median: {slowest:F0} ms (target < {target} ms)");
        Summary.Print(credentials > 0 ? $"pages to interactive, slowest median, {credentials:N0} credentials" : "pages to interactive, slowest median, demo data",
            $"{slowest:F0} ms", $"{pages.Count} pages", $"< {target} ms", slowest < target);
        Console.WriteLine($"load average after the run: {IntakeBench.LoadAverage()}");
        return 0;
    }

    /// <summary>Every page an operator opens, with ids of the demo data's campaign, channel and newest run.</summary>
    private static async Task<List<(string Name, string Path)>> PagesAsync(IDbContextFactory<PushConsoleDbContext> contexts)
    {
        await using var db = await contexts.CreateDbContextAsync();
        // The demo's first push is a campaign sent now, whose run the scheduler opens a moment after start: wait for it
        // (a few seconds at most), so the run's page is measured in every run of the bench, not only when it was quick.
        var waited = Stopwatch.StartNew();
        while (await db.Campaigns.AnyAsync() && !await db.DeliveryRuns.AnyAsync() && waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
        var campaign = await db.Campaigns.OrderBy(c => c.Id).Select(c => (int?)c.Id).FirstOrDefaultAsync();
        var channel = await db.Channels.OrderBy(c => c.Id).Select(c => new { c.Id, c.PublicId }).FirstOrDefaultAsync();
        var run = await db.DeliveryRuns.OrderByDescending(r => r.Id).Select(r => (long?)r.Id).FirstOrDefaultAsync();
        var pages = new List<(string, string)>
        {
            ("dashboard /", ""), ("accounts", "accounts"), ("templates", "templates"), ("credentials", "credentials"),
            ("campaigns", "campaigns"), ("new campaign", "campaigns/new"),
        };
        if (campaign is int id)
        {
            pages.Add(("campaign", $"campaigns/{id}"));
            pages.Add(("campaign edit", $"campaigns/{id}/edit"));
        }
        pages.Add(("channels", "channels"));
        if (channel is not null)
        {
            pages.Add(("channel", $"channels/{channel.Id}"));
        }
        pages.AddRange([("messages", "messages"), ("outcomes", "outcomes")]);
        if (run is long runId)
        {
            pages.Add(("run outcomes", $"outcomes/runs/{runId}"));
        }
        pages.AddRange([("user lookup", "lookup"), ("users", "users"), ("API tokens", "api-tokens"), ("audit log", "audit")]);
        return pages;
    }

    private static Task WaitInteractiveAsync(IPage page) =>
        Assertions.Expect(page.Locator("#interactive")).ToHaveTextAsync("True", new() { Timeout = 60_000 });
}
