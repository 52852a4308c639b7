using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using PushConsole.Accounts;
using PushConsole.Credentials;
using PushConsole.Persistence;

namespace PushConsole.Bench;

/// <summary>
/// Batch claims: a pool of users with several formIds each, drained by concurrent claimers that each take one
/// credential for every user of a batch in one statement (the way a campaign sends). Prints claims per second and
/// the latency of one batch statement; checks that no credential was handed out twice.
/// </summary>
public static class ClaimBench
{
    public static async Task<int> RunAsync(BenchArguments args)
    {
        var users = args.Number("users", 50_000);
        var perUser = args.Number("per-user", 10);
        var batch = args.Number("batch", 1000);
        var claimers = args.Number("claimers", args.Provider == DatabaseProvider.Sqlite ? 1 : 2);
        var database = await BenchDatabase.CreateAsync(args);
        Console.WriteLine($"load average before the run: {IntakeBench.LoadAverage()}");
        Console.WriteLine($"claim: {database.Provider}, {users:N0} users x {perUser} formIds, batches of {batch} users, {claimers} concurrent claimer(s)");

        var configuration = new ConfigurationBuilder().AddInMemoryCollection().Build();
        var collection = new ServiceCollection();
        collection.AddLogging();
        collection.AddSingleton(TimeProvider.System);
        collection.AddPushConsoleDatabase(database);
        collection.AddCredentialPool(configuration, database);
        await using var services = collection.BuildServiceProvider();
        await services.GetRequiredService<DatabaseMigrator>().MigrateAsync();
        Console.WriteLine($"  storage: {await BenchDatabase.DurabilityAsync(database)}");
        int accountId;
        await using (var db = await services.GetRequiredService<IDbContextFactory<PushConsoleDbContext>>().CreateDbContextAsync())
        {
            var account = new WeChatAccount
            {
                Name = "Bench", Kind = AccountKind.MiniProgram, AppId = "wxbenchclaim00001", SecretCipher = "-",
                ApiBaseUrl = "http://127.0.0.1:1", CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow,
            };
            db.Accounts.Add(account);
            await db.SaveChangesAsync();
            accountId = account.Id;
        }

        // Seed through the real intake (group commit), many reports in flight.
        var intake = services.GetRequiredService<CredentialIntake>();
        var openIds = Enumerable.Range(0, users).Select(i => $"oclaim{i:D7}").ToArray();
        var seeding = Stopwatch.StartNew();
        var random = new Random(7);
        await Parallel.ForEachAsync(openIds, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (openId, _) =>
        {
            // Spread expiries over the week so "earliest first" has work to do.
            var reports = Enumerable.Range(0, perUser).Select(k => new ReportedCredential($"{openId}-{k}",
                ClientExpiry: DateTimeOffset.UtcNow.AddHours(24 + Random.Shared.Next(140)))).ToList();
            await intake.ReportAsync(accountId, openId, reports);
        });
        var total = (long)users * perUser;
        Console.WriteLine($"  seeded {total:N0} formIds in {seeding.Elapsed.TotalSeconds:N1} s ({total / seeding.Elapsed.TotalSeconds:N0}/s through the intake, no HTTP)");

        if (database.Provider == DatabaseProvider.Postgres)
        {
            // A pool that has run for a while has planner statistics (autovacuum analyzes it); a table filled seconds
            // ago has none, and the planner then guesses. Measure the steady state.
            await using var db = await services.GetRequiredService<IDbContextFactory<PushConsoleDbContext>>().CreateDbContextAsync();
            await db.Database.ExecuteSqlRawAsync("ANALYZE \"Credentials\", \"AvailableCredentials\"");
        }
        var pool = services.GetRequiredService<CredentialPool>();
        var batches = openIds.Chunk(batch).ToArray();
        var latencies = new Latencies();
        long claimed = 0;
        var seen = new bool[total];
        var duplicates = 0;
        var next = -1;
        var rounds = perUser;
        var clock = Stopwatch.StartNew();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var serverBefore = database.Provider == DatabaseProvider.Postgres ? await ServerCpu.PostgresAsync(database.ConnectionString) : null;
        await Task.WhenAll(Enumerable.Range(0, claimers).Select(_ => Task.Run(async () =>
        {
            var mine = latencies.NewWorker();
            while (true)
            {
                // Work items: round r of batch b, so each user is asked perUser times in all.
                var item = Interlocked.Increment(ref next);
                if (item >= batches.Length * rounds)
                {
                    return;
                }
                var started = Stopwatch.GetTimestamp();
                var claims = await pool.ClaimAsync(accountId, batches[item % batches.Length], CredentialDemand.TemplateMessage);
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Interlocked.Add(ref claimed, claims.Count);
                foreach (var claim in claims)
                {
                    var dash = claim.Value!.LastIndexOf('-');
                    var index = long.Parse(claim.OpenId.AsSpan(6)) * perUser + int.Parse(claim.Value.AsSpan(dash + 1));
                    lock (seen)
                    {
                        if (seen[index]) duplicates++;
                        seen[index] = true;
                    }
                }
            }
        })));
        var seconds = clock.Elapsed.TotalSeconds;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMicroseconds;
        var serverCpu = serverBefore is null ? 0 : ServerCpu.Between(serverBefore, await ServerCpu.PostgresAsync(database.ConnectionString)).TotalMicroseconds;
        var (p50, p99, statements) = latencies.Summary();
        Console.WriteLine($"  claimed {claimed:N0} of {total:N0} in {seconds:N2} s with {statements:N0} statements");
        Console.WriteLine($"  batch claim: {claimed / seconds:N0} claims/s (target 100,000/s); one statement of {batch} users p50 {p50:N2} ms, p99 {p99:N2} ms");
        var perClaim = cpu / Math.Max(1, claimed);
        var serverPerClaim = serverCpu / Math.Max(1, claimed);
        Console.WriteLine(database.Provider == DatabaseProvider.Postgres
            ? $"  CPU per claim: {perClaim + serverPerClaim:N1} us = console {perClaim:N1} + PostgreSQL {serverPerClaim:N1} (free-core bound {Environment.ProcessorCount * 1_000_000 / (perClaim + serverPerClaim):N0} claims/s)"
            : $"  CPU per claim: {perClaim:N1} us, console and SQLite (free-core bound {Environment.ProcessorCount * 1_000_000 / perClaim:N0} claims/s)");
        Console.WriteLine($"  handed out twice: {duplicates}");
        Summary.Print($"batch claim, {batch} users per statement, {database.Provider}", $"{claimed / seconds:N0}/s, {duplicates} twice",
            $"{cpu / Math.Max(1, claimed):N1} us CPU per claim (bench process)", ">= 100,000/s, 0 twice", claimed / seconds >= 100_000 && duplicates == 0);
        return duplicates == 0 ? 0 : 1;
    }
}
