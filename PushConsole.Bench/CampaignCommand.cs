namespace PushConsole.Bench;

/// <summary>
/// <c>campaign</c>: a push to N users with one formId each, against the standalone simulator on loopback, timed from
/// the fire to the last ledger write; the simulator's own ceiling measured in the same run; then a run with the account
/// capped (and the simulator refusing above the cap), which must reach 95 % of the cap without a single refusal.
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
        var simulatorUrl = args.Text("simulator", "");
        var database = await BenchDatabase.CreateAsync(args);

        Console.WriteLine($"campaign: {Environment.ProcessorCount} cores, {database.Provider}, {concurrency} sends in flight at most");
        await using var simulator = await StandaloneSimulator.StartAsync(simulatorUrl.Length == 0 ? null : simulatorUrl);
        Console.WriteLine($"  simulator: standalone process at {simulator.BaseAddress}");

        Console.WriteLine($"  measuring the simulator's ceiling ({ceilingSeconds} s of bare legacy template sends, {concurrency} in flight)…");
        var ceiling = await SimulatorCeiling.MeasureAsync(simulator, TimeSpan.FromSeconds(ceilingSeconds), concurrency);
        Console.WriteLine($"  ceiling: {ceiling:N0} sends/s");

        await using var bench = await CampaignBench.StartAsync(simulator, database, concurrency);
        // Read after the console's migrator has set the journal mode, so the line shows what the run really used.
        Console.WriteLine($"  storage: {await BenchDatabase.DurabilityAsync(database)}");
        var clientAlone = await bench.ClientAloneAsync(Math.Min(users, 20_000));
        Console.WriteLine($"  the WeChat client alone (no ledger, pool or renderer): {clientAlone:N0} sends/s");

        // An account rate far above what the machine can do: the run goes as fast as the pipeline and the simulator allow.
        var full = await bench.RunAsync("uncapped", users, ratePerSecond: 100_000, simulatorQps: null);
        Report("push to all users with one formId each (uncapped)", full);
        Console.WriteLine($"  end to end: {full.SendsPerSecond:N0} sends/s = {full.SendsPerSecond / ceiling:P0} of the simulator's ceiling ({ceiling:N0}/s)");

        var capped = await bench.RunAsync("capped", cappedUsers, ratePerSecond: cap, simulatorQps: cap);
        Report($"push with the account capped at {cap:N0}/s (the simulator refuses above {cap:N0}/s)", capped);
        Console.WriteLine($"  end to end: {capped.SendsPerSecond:N0} sends/s = {capped.SendsPerSecond / cap:P1} of the cap; " +
                          $"sending phase: {capped.SendingPerSecond:N0} sends/s = {capped.SendingPerSecond / cap:P1} of the cap; " +
                          $"45009: {capped.Errors.GetValueOrDefault(45009)}, 45011: {capped.Errors.GetValueOrDefault(45011)}");
        return full.Delivered == users && full.DuplicateRecipients == 0 && capped.Delivered == cappedUsers ? 0 : 1;
    }

    private static void Report(string title, CampaignFigures f)
    {
        Console.WriteLine(title);
        Console.WriteLine($"  users {f.Users:N0}, sent {f.Sent:N0}, delivered by the simulator {f.Delivered:N0}, recipients with duplicates {f.DuplicateRecipients}");
        Console.WriteLine($"  total {f.Total.TotalSeconds:N1} s (audience resolved and written in {f.Audience.TotalSeconds:N1} s), " +
                          $"errors: {(f.Errors.Count == 0 ? "none" : string.Join(", ", f.Errors.Select(e => $"{e.Key}×{e.Value}")))}");
    }
}
