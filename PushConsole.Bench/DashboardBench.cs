using System.Diagnostics;
using System.Net.Http.Headers;
using Microsoft.EntityFrameworkCore;
using PushConsole.Accounts;
using PushConsole.Credentials;
using PushConsole.Ledger;
using PushConsole.MiniProgram;
using PushConsole.Outcomes;
using PushConsole.Persistence;

namespace PushConsole.Bench;

/// <summary>
/// The dashboards at the size of a large account: credentials over users through the real intake, known users, and
/// ledger rows over runs (one of them large enough for the CSV export to matter). Prints how long each dashboard
/// query and API call takes, the export's rows per second and the memory it needed, and the load of the machine.
/// </summary>
public static class DashboardBench
{
    private const string AppId = "wxbenchdashboard1";
    private const string ApiToken = "pct_bench_dashboards_0123456789abcdef";
    private static readonly int[] ErrCodes = [43101, 40003, 41028, 45009, -1];

    public static async Task<int> RunAsync(BenchArguments args)
    {
        var credentials = args.Number("credentials", 10_000_000);
        var users = args.Number("users", 1_000_000);
        var ledgerRows = args.Number("ledger", 1_000_000);
        var bigRun = Math.Min(args.Number("big-run", 100_000), ledgerRows);
        var repeats = args.Number("repeats", 3);
        var database = await BenchDatabase.CreateAsync(args);
        Console.WriteLine($"load average before the run: {IntakeBench.LoadAverage()}");
        Console.WriteLine($"dashboards: {database.Provider}, {credentials:N0} credentials over {users:N0} users, {ledgerRows:N0} ledger rows (one run of {bigRun:N0})");

        await using var host = new BenchHost(database, new Dictionary<string, string?> { ["Bootstrap:ApiToken"] = ApiToken }).Start();
        Console.WriteLine($"  storage: {await BenchDatabase.DurabilityAsync(database)}");
        var contexts = host.Services.GetRequiredService<IDbContextFactory<PushConsoleDbContext>>();
        var time = host.Services.GetRequiredService<TimeProvider>();
        var reconciliation = host.Services.GetRequiredService<TallyReconciliation>();
        var (account, bigRunId) = await SeededAsync(host, contexts, credentials, users, ledgerRows, bigRun, time);
        // The users were inserted directly, not through a login, and a reused file may predate its tallies: the
        // reconciliation (which the console also runs once at start-up) brings the tallies to the rows, then a second
        // one must find nothing. Both are timed: they are the recount the console runs every interval.
        var recount = Stopwatch.StartNew();
        var drift = await reconciliation.RunAsync();
        Console.WriteLine($"  tally reconciliation (recount of every credential and ledger row): {recount.Elapsed.TotalSeconds:F1} s, {drift.Total} tally rows repaired");
        recount.Restart();
        drift = await reconciliation.RunAsync();
        var reconcileSeconds = recount.Elapsed.TotalSeconds;
        Console.WriteLine($"  tally reconciliation again: {reconcileSeconds:F1} s, {drift.Total} tally rows drifted");

        // The console sweeps every Credentials:SweepInterval; a reused file has missed those sweeps, so it has one now, and
        // the queries read what they read in service (at most one interval of expiries still open).
        var sweep = await host.Services.GetRequiredService<CredentialSweep>().RunAsync();
        Console.WriteLine($"  sweep before the queries: {sweep.Expired:N0} credentials past their expiry closed, {sweep.DeletedCredentials:N0} past retention deleted");

        var inventory = host.Services.GetRequiredService<InventoryQuery>();
        var outcomes = host.Services.GetRequiredService<OutcomeQueries>();
        using var api = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromMinutes(10) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiToken);

        Console.WriteLine();
        Console.WriteLine($"| {"figure",-52} | {"first",9} | {"median",9} | {"max",9} |");
        Console.WriteLine($"|{new string('-', 54)}|{new string('-', 11)}|{new string('-', 11)}|{new string('-', 11)}|");
        var slowest = 0.0;
        async Task TimeAsync<T>(string figure, int repeats, Func<Task<T>> call) => slowest = Math.Max(slowest, await TimedAsync(figure, repeats, call));
        await TimeAsync("inventory (InventoryQuery)", repeats, () => inventory.GetAsync(account.Id));
        await TimeAsync("GET /api/v1/inventory", repeats, () => api.GetStringAsync($"api/v1/inventory?accountId={account.Id}"));
        await TimeAsync("outcomes by day, 14 days", repeats, () => outcomes.DailyAsync(14, account.Id));
        await TimeAsync("outcomes by kind of run, 14 days", repeats, () => outcomes.ByKindAsync(14, account.Id));
        await TimeAsync("outcomes: top errcodes, 14 days", repeats, () => outcomes.TopErrorsAsync(14, 10, account.Id));
        await TimeAsync("outcomes: runs list (20)", repeats, () => outcomes.RunsAsync(20));
        await TimeAsync($"run summary ({bigRun:N0} rows)", repeats, () => outcomes.RunAsync(bigRunId));
        await TimeAsync("run deliveries, a page of 50 in the middle", repeats,
            () => outcomes.DeliveriesAsync(bigRunId, new DeliveryFilter(), bigRun / 2, 50));
        await TimeAsync("run deliveries, failed only, first page", repeats,
            () => outcomes.DeliveriesAsync(bigRunId, new DeliveryFilter(Status: DeliveryStatus.Failed), 0, 50));

        // The export streams pages of the ledger: timed in one pass, then read again with the live heap measured
        // (after a full collection) every 10,000 rows; its peak above the start shows whether the run is held in memory.
        var allocatedBefore = GC.GetTotalAllocatedBytes(true);
        var exported = 0;
        var export = Stopwatch.StartNew();
        await foreach (var _ in outcomes.StreamDeliveriesAsync(bigRunId, new DeliveryFilter()))
        {
            exported++;
        }
        export.Stop();
        var allocated = GC.GetTotalAllocatedBytes(true) - allocatedBefore;
        var heapBefore = GC.GetTotalMemory(true);
        var peakHeap = heapBefore;
        var read = 0;
        await foreach (var _ in outcomes.StreamDeliveriesAsync(bigRunId, new DeliveryFilter()))
        {
            if (++read % 10_000 == 0)
            {
                peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(true));
            }
        }
        Console.WriteLine();
        Console.WriteLine($"CSV source of the {bigRun:N0}-row run: {exported:N0} rows in {export.Elapsed.TotalMilliseconds:F0} ms " +
            $"({exported / export.Elapsed.TotalSeconds:N0} rows/s), allocated {allocated / 1e6:F0} MB in all; " +
            $"peak live heap {(peakHeap - heapBefore) / 1e6:F1} MB above the start (measured every 10,000 rows)");

        // The figures read the tallies; a recount of the rows after the timings must agree with them.
        var check = await reconciliation.RunAsync();
        Console.WriteLine($"recount after the queries: {check.Total} tally rows disagreed with the rows");
        var load = IntakeBench.LoadAverage();
        Console.WriteLine($"load average at the end: {load}");
        Summary.Print("dashboards: slowest query/API median", $"{slowest:F0} ms", $"{credentials:N0} credentials, {ledgerRows:N0} ledger rows", "< 200 ms",
            slowest < 200 && check.Total == 0);
        Summary.Print("dashboards: tally reconciliation", $"{reconcileSeconds:F1} s", $"{credentials:N0} credentials", "runs (was > 20 min)", check.Total == 0);
        Summary.Print($"dashboards: CSV of the {bigRun:N0}-row run", $"{export.Elapsed.TotalMilliseconds:F0} ms, peak live heap +{(peakHeap - heapBefore) / 1e6:F1} MB",
            $"{exported:N0} rows", "constant memory", exported == bigRun && peakHeap - heapBefore < 50_000_000);
        return check.Total == 0 ? 0 : 1;
    }

    /// <summary>
    /// The bench account with its users, credentials and ledger: found in a reused <c>--database</c> file, else seeded.
    /// </summary>
    internal static async Task<(WeChatAccount Account, long BigRunId)> SeededAsync(BenchHost host, IDbContextFactory<PushConsoleDbContext> contexts,
        int credentials, int users, int ledgerRows, int bigRun, TimeProvider time)
    {
        await using (var db = await contexts.CreateDbContextAsync())
        {
            var existing = await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.AppId == AppId);
            var run = await db.DeliveryRuns.AsNoTracking().Where(r => r.FireKey == "bench:dashboards:0").Select(r => (long?)r.Id).FirstOrDefaultAsync();
            if (existing is not null && run is long seededRun)
            {
                Console.WriteLine($"  reusing the seeded account {existing.Id}: {await db.Credentials.CountAsync(c => c.AccountId == existing.Id):N0} credentials, " +
                    $"{await db.MiniProgramUsers.CountAsync(u => u.AccountId == existing.Id):N0} users, {await db.Deliveries.CountAsync(d => d.AccountId == existing.Id):N0} ledger rows");
                return (existing, seededRun);
            }
        }
        var account = await CreateAccountAsync(contexts, time);
        var seeding = Stopwatch.StartNew();
        await SeedUsersAsync(contexts, account.Id, users, time);
        Console.WriteLine($"  seeded {users:N0} known users in {seeding.Elapsed.TotalSeconds:F0} s");
        seeding.Restart();
        await SeedCredentialsAsync(host.Services.GetRequiredService<CredentialIntake>(), account.Id, credentials, users, time);
        Console.WriteLine($"  seeded {credentials:N0} credentials through the intake in {seeding.Elapsed.TotalSeconds:F0} s");
        seeding.Restart();
        var bigRunId = await SeedLedgerAsync(contexts, account.Id, ledgerRows, bigRun, users, time);
        Console.WriteLine($"  seeded {ledgerRows:N0} ledger rows in {seeding.Elapsed.TotalSeconds:F0} s");
        Console.WriteLine($"load average after seeding: {IntakeBench.LoadAverage()}");
        return (account, bigRunId);
    }

    private static async Task<double> TimedAsync<T>(string figure, int repeats, Func<Task<T>> call)
    {
        var times = new List<double>();
        for (var i = 0; i < repeats; i++)
        {
            var watch = Stopwatch.StartNew();
            await call();
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
        var first = times[0];
        times.Sort();
        Console.WriteLine($"| {figure,-52} | {first,6:F0} ms | {times[times.Count / 2],6:F0} ms | {times[^1],6:F0} ms |");
        return times[times.Count / 2];
    }

    internal static async Task<WeChatAccount> CreateAccountAsync(IDbContextFactory<PushConsoleDbContext> contexts, TimeProvider time)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var account = new WeChatAccount
        {
            Name = "Bench dashboards", Kind = AccountKind.MiniProgram, AppId = AppId, SecretCipher = "-",
            ApiBaseUrl = "https://api.weixin.qq.com", TimeZone = "Asia/Shanghai", CreatedAt = time.GetUtcNow(), UpdatedAt = time.GetUtcNow(),
        };
        db.Accounts.Add(account);
        await db.SaveChangesAsync();
        return account;
    }

    private static string OpenIdOf(int user) => $"odash{user:D8}";

    internal static async Task SeedUsersAsync(IDbContextFactory<PushConsoleDbContext> contexts, int accountId, int users, TimeProvider time)
    {
        var now = time.GetUtcNow();
        for (var start = 0; start < users; start += 20_000)
        {
            await using var db = await contexts.CreateDbContextAsync();
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            db.MiniProgramUsers.AddRange(Enumerable.Range(start, Math.Min(20_000, users - start)).Select(u => new MiniProgramUser
            {
                AccountId = accountId, OpenId = OpenIdOf(u), FirstSeenAt = now.AddDays(-30), LastLoginAt = now.AddHours(-(u % 200)),
            }));
            await db.SaveChangesAsync();
        }
    }

    /// <summary>
    /// Credentials through the real intake, as mini programs report them: uneven per user (a tenth of the users hold
    /// most), expiries spread over the coming week, a tenth of the users with none (known users who cannot be reached).
    /// </summary>
    internal static async Task SeedCredentialsAsync(CredentialIntake intake, int accountId, int credentials, int users, TimeProvider time)
    {
        var now = time.GetUtcNow();
        var holders = Math.Max(1, users - users / 10);
        var perReport = 10;
        var reports = credentials / perReport;
        var done = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, reports), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (report, _) =>
        {
            // Every third report goes to the busiest tenth of the users.
            var user = report % 3 == 0 ? report / 3 % Math.Max(1, holders / 10) : report % holders;
            var batch = Enumerable.Range(0, perReport).Select(k => new ReportedCredential($"d{report:D8}-{k}",
                ClientExpiry: now.AddMinutes(10 + (report * 37 + k * 101) % (7 * 24 * 60)))).ToList();
            await intake.ReportAsync(accountId, OpenIdOf(user), batch);
            var n = Interlocked.Increment(ref done);
            if (n % (reports / 10 + 1) == 0)
            {
                Console.WriteLine($"    {(long)n * perReport:N0} credentials");
            }
        });
    }

    /// <summary>Finished ledger rows over ten runs and the last 14 days: mostly sent, some failed, some skipped.</summary>
    internal static async Task<long> SeedLedgerAsync(IDbContextFactory<PushConsoleDbContext> contexts, int accountId, int rows, int bigRun,
        int users, TimeProvider time)
    {
        var now = time.GetUtcNow();
        int templateId;
        await using (var db = await contexts.CreateDbContextAsync())
        {
            var template = new Templates.MessageTemplate
            {
                AccountId = accountId, WeChatTemplateId = "TPL_BENCH_DASHBOARD", Title = "Bench", Content = "{{thing1.DATA}}",
            };
            db.Templates.Add(template);
            await db.SaveChangesAsync();
            templateId = template.Id;
        }
        var runSizes = new List<int> { bigRun };
        var rest = rows - bigRun;
        for (var i = 0; i < 9 && rest > 0; i++)
        {
            var size = i == 8 ? rest : rest / (9 - i);
            runSizes.Add(size);
            rest -= size;
        }
        long bigRunId = 0;
        var offset = 0;
        for (var r = 0; r < runSizes.Count; r++)
        {
            var finished = now.AddDays(-(r * 13 / Math.Max(1, runSizes.Count - 1))).AddMinutes(-30);
            long runId;
            await using (var db = await contexts.CreateDbContextAsync())
            {
                var run = new DeliveryRun
                {
                    Kind = RunKind.Campaign, FireKey = $"bench:dashboards:{r}", Name = $"Bench run {r}", AccountId = accountId,
                    TemplateId = templateId, Status = RunStatus.Completed, ExpectedTotal = runSizes[r], AudienceComplete = true,
                    CreatedAt = finished.AddHours(-1), StartedAt = finished.AddHours(-1), FinishedAt = finished,
                };
                db.DeliveryRuns.Add(run);
                await db.SaveChangesAsync();
                runId = run.Id;
            }
            if (r == 0)
            {
                bigRunId = runId;
            }
            for (var start = 0; start < runSizes[r]; start += 20_000)
            {
                await using var db = await contexts.CreateDbContextAsync();
                db.ChangeTracker.AutoDetectChangesEnabled = false;
                db.Deliveries.AddRange(Enumerable.Range(start, Math.Min(20_000, runSizes[r] - start)).Select(i =>
                {
                    var n = offset + i;
                    var kind = n % 20;
                    return new Delivery
                    {
                        RunId = runId, AccountId = accountId, Recipient = OpenIdOf(i % users),
                        Status = kind < 17 ? DeliveryStatus.Sent : kind < 19 ? DeliveryStatus.Failed : DeliveryStatus.Skipped,
                        SkipReason = kind == 19 ? SkipReason.NoCredential : SkipReason.None,
                        ErrCode = kind is 17 or 18 ? ErrCodes[n % ErrCodes.Length] : null,
                        MsgId = kind < 17 ? 9_000_000_000L + n : null, Attempts = 1,
                        LocalDay = DateOnly.FromDateTime(finished.ToOffset(TimeSpan.FromHours(8)).DateTime),
                        CreatedAt = finished.AddHours(-1), FinishedAt = finished,
                    };
                }));
                await db.SaveChangesAsync();
            }
            offset += runSizes[r];
        }
        return bigRunId;
    }
}
