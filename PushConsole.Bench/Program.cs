using System.Globalization;
using PushConsole.Bench;
using PushConsole.Persistence;

// dotnet run -c Release --project PushConsole.Bench -- campaign [--users 100000] [--capped-users 20000] [--cap 2000]
//     [--concurrency 64] [--ceiling-seconds 5] [--simulator http://127.0.0.1:5090] [--postgres "Host=…;Database=…"]
if (args.Length == 0 || args[0] != "campaign")
{
    Console.WriteLine("usage: PushConsole.Bench campaign [--users N] [--capped-users N] [--cap N] [--concurrency N] [--ceiling-seconds N] [--simulator URL] [--postgres CONNECTION]");
    return 2;
}
var users = Int("--users", 100_000);
var cappedUsers = Int("--capped-users", 20_000);
var cap = Int("--cap", 2_000);
var concurrency = Int("--concurrency", 64);
var ceilingSeconds = Int("--ceiling-seconds", 5);
var postgres = Text("--postgres");
var directory = Path.Combine(Path.GetTempPath(), "pushconsole-bench", Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(directory);
var database = postgres is null
    ? new DatabaseOptions { Provider = DatabaseProvider.Sqlite, ConnectionString = $"Data Source={Path.Combine(directory, "bench.db")}" }
    : new DatabaseOptions { Provider = DatabaseProvider.Postgres, ConnectionString = postgres };

Console.WriteLine($"PushConsole campaign benchmark — {Environment.ProcessorCount} cores, {database.Provider}, concurrency {concurrency}");
await using var simulator = await StandaloneSimulator.StartAsync(Text("--simulator"));
Console.WriteLine($"Simulator (standalone process) at {simulator.BaseAddress}");

Console.WriteLine($"Measuring the simulator's ceiling ({ceilingSeconds} s of bare legacy template sends, {concurrency} in flight)…");
var ceiling = await SimulatorCeiling.MeasureAsync(simulator, TimeSpan.FromSeconds(ceilingSeconds), concurrency);
Console.WriteLine($"  ceiling: {ceiling:N0} sends/s");

await using var bench = await CampaignBench.StartAsync(simulator, database, concurrency);
var clientAlone = await bench.ClientAloneAsync(Math.Min(users, 20_000));
Console.WriteLine($"  the WeChat client alone (no ledger, pool or renderer): {clientAlone:N0} sends/s");
// An account rate far above what the machine can do: the run goes as fast as the pipeline and the simulator allow.
var full = await bench.RunAsync("uncapped", users, ratePerSecond: 100_000, simulatorQps: null);
Report("Push to all users with one formId each (uncapped)", full);
Console.WriteLine($"  end to end: {full.SendsPerSecond:N0} sends/s = {full.SendsPerSecond / ceiling:P0} of the simulator's ceiling ({ceiling:N0}/s)");

var capped = await bench.RunAsync("capped", cappedUsers, ratePerSecond: cap, simulatorQps: cap);
Report($"Push with the account capped at {cap:N0}/s (simulator refuses above {cap:N0}/s)", capped);
Console.WriteLine($"  end to end: {capped.SendsPerSecond:N0} sends/s = {capped.SendsPerSecond / cap:P1} of the cap; " +
                  $"45009: {capped.Errors.GetValueOrDefault(45009)}, 45011: {capped.Errors.GetValueOrDefault(45011)}");

try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
return 0;

void Report(string title, CampaignFigures f)
{
    Console.WriteLine(title);
    Console.WriteLine($"  users {f.Users:N0}, sent {f.Sent:N0}, delivered by the simulator {f.Delivered:N0}, recipients with duplicates {f.DuplicateRecipients}");
    Console.WriteLine($"  total {f.Total.TotalSeconds:N1} s (audience resolved and written in {f.Audience.TotalSeconds:N1} s), " +
                      $"errors: {(f.Errors.Count == 0 ? "none" : string.Join(", ", f.Errors.Select(e => $"{e.Key}×{e.Value}")))}");
}

int Int(string name, int fallback) =>
    Text(name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

string? Text(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
