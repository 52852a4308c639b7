namespace PushConsole.Bench;

/// <summary>
/// <c>campaign</c>: a push to N users with one formId each, against the standalone simulator on loopback, timed from
/// the fire to the last ledger write; the simulator's own ceiling measured in the same run; then runs with the account
/// capped (and the simulator refusing above the cap): each must complete (no run held), its busiest 1-second window must
/// reach 97 % of the cap and stay within it, without a single 45009/45011. <c>--users 0</c> runs only the capped runs;
/// <c>--capped-runs N</c> repeats them; <c>--warmup-users N</c> (10,000; 0 for none) sizes an unmeasured run before the
/// uncapped one.
/// </summary>
public static class CampaignCommand
{
    public static async Task<int> RunAsync(BenchArguments args)
    {
        var users = args.Number("users", 100_000);
        var cappedUsers = args.Number("capped-users", 20_000);
        var cap = args.Number("cap", 2_000);
        var concurrency = args.Number("concurrency", 64);
        var ceilingSeconds = args.Number("ceiling-seconds", 5);
        var warmupUsers = args.Number("warmup-users", 10_000);
        // Sending:BatchSize, when given; otherwise the console's default.
        var batchSize = args.Number("batch", 0);
        var simulatorUrl = args.Text("simulator", "");
        var database = await BenchDatabase.CreateAsync(args);

        Console.WriteLine($"campaign: {Environment.ProcessorCount} cores, {database.Provider}, {concurrency} sends in flight at most");
        await using var simulator = await StandaloneSimulator.StartAsync(simulatorUrl.Length == 0 ? null : simulatorUrl);
        Console.WriteLine($"  simulator: standalone process at {simulator.BaseAddress}");

        await using var bench = await CampaignBench.StartAsync(simulator, database, concurrency, batchSize > 0 ? batchSize : null);
        // Read after the console's migrator has set the journal mode, so the line shows what the run really used.
        Console.WriteLine($"  storage: {await BenchDatabase.DurabilityAsync(database)}");
        var ok = true;
        if (users > 0)
        {
            Console.WriteLine($"  measuring the simulator's ceiling ({ceilingSeconds} s of bare legacy template sends, {concurrency} in flight)…");
            var ceiling = await SimulatorCeiling.MeasureAsync(simulator, TimeSpan.FromSeconds(ceilingSeconds), concurrency);
            Console.WriteLine($"  ceiling: {ceiling:N0} sends/s");
            var clientAlone = await bench.ClientAloneAsync(Math.Min(users, 20_000));
            Console.WriteLine($"  the WeChat client alone (no ledger, pool or renderer): {clientAlone:N0} sends/s");

            if (warmupUsers > 0)
            {
                // A console sends for hours: its engine's code is compiled at its final tier long before a campaign of
                // 100,000 would end. One smaller run first, so the figure is the engine's and not the JIT's.
                var warm = await bench.RunAsync("warm-up", warmupUsers, ratePerSecond: 100_000, simulatorQps: null);
                Console.WriteLine($"  warm-up run of {warmupUsers:N0}: {warm.SendsPerSecond:N0} sends/s, console {warm.ConsoleMicrosPerSend:N1} µs/send " +
                                  $"(JIT {warm.JitMicrosPerSend:N1})");
            }
            // An account rate far above what the machine can do: the run goes as fast as the pipeline and the simulator allow.
            var full = await bench.RunAsync("uncapped", users, ratePerSecond: 100_000, simulatorQps: null);
            Report("push to all users with one formId each (uncapped)", full);
            Console.WriteLine($"  end to end: {full.SendsPerSecond:N0} sends/s = {full.SendsPerSecond / ceiling:P0} of the simulator's ceiling ({ceiling:N0}/s)");
            ok = full.Delivered == users && full.DuplicateRecipients == 0;
            Summary.Print($"campaign to {users:N0} users, uncapped, {database.Provider}", $"{full.SendsPerSecond:N0}/s, {full.DuplicateRecipients} duplicates",
                $"simulator {ceiling:N0}/s ({Summary.Percent(full.SendsPerSecond, ceiling)})", ">= 60 % of the simulator",
                ok && full.SendsPerSecond >= 0.6 * ceiling);
        }

        var cappedRuns = args.Number("capped-runs", 1);
        var met = 0;
        var busiest = new List<string>();
        for (var run = 1; run <= cappedRuns; run++)
        {
            CampaignFigures capped;
            try
            {
                capped = await bench.RunAsync($"capped {run}/{cappedRuns}", cappedUsers, ratePerSecond: cap, simulatorQps: cap);
            }
            catch (InvalidOperationException e)
            {
                // The run ended other than Completed, e.g. held on 45011.
                Console.WriteLine($"  capped run {run}/{cappedRuns}: {e.Message}");
                ok = false;
                continue;
            }
            Report($"push with the account capped at {cap:N0}/s (the simulator refuses above {cap:N0}/s), run {run}/{cappedRuns}", capped);
            var refused = capped.Errors.GetValueOrDefault(45009) + capped.Errors.GetValueOrDefault(45011);
            var reached = capped.BusiestSecond >= cap * 0.97 && capped.BusiestSecond <= cap && refused == 0 && capped.Delivered == cappedUsers;
            met += reached ? 1 : 0;
            busiest.Add(capped.BusiestSecond.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
            ok &= reached;
            Console.WriteLine($"  busiest 1-second window: {capped.BusiestSecond:N0} sends = {(double)capped.BusiestSecond / cap:P1} of the cap; " +
                              $"end to end: {capped.SendsPerSecond:N0} sends/s = {capped.SendsPerSecond / cap:P1}; " +
                              $"sending phase: {capped.SendingPerSecond:N0} sends/s = {capped.SendingPerSecond / cap:P1}; " +
                              $"45009: {capped.Errors.GetValueOrDefault(45009)}, 45011: {capped.Errors.GetValueOrDefault(45011)}");
        }
        Console.WriteLine($"capped runs within the cap at >= 97 % of it, none refused or held: {met} of {cappedRuns}");
        if (cappedRuns > 0)
        {
            Summary.Print($"campaign capped at {cap:N0}/s, {cappedRuns} runs of {cappedUsers:N0}", $"{met} of {cappedRuns} met; busiest second {string.Join(" / ", busiest)}",
                $"cap {cap:N0}/s", ">= 97 % of the cap, never above, 0x45009/45011", met == cappedRuns);
        }
        return ok ? 0 : 1;
    }

    private static void Report(string title, CampaignFigures f)
    {
        Console.WriteLine(title);
        Console.WriteLine($"  users {f.Users:N0}, sent {f.Sent:N0}, delivered by the simulator {f.Delivered:N0}, recipients with duplicates {f.DuplicateRecipients}");
        Console.WriteLine($"  total {f.Total.TotalSeconds:N1} s (audience resolved and written in {f.Audience.TotalSeconds:N1} s), " +
                          $"errors: {(f.Errors.Count == 0 ? "none" : string.Join(", ", f.Errors.Select(e => $"{e.Key}×{e.Value}")))}");
        Console.WriteLine($"  CPU per send (fire to end, audience included): console {f.ConsoleMicrosPerSend:N1} µs (of it JIT {f.JitMicrosPerSend:N1} µs), " +
                          $"simulator {f.SimulatorMicrosPerSend:N1} µs; " +
                          $"load average {string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ')[..3])}");
    }
}
