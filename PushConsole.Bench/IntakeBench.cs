using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PushConsole.Accounts;
using PushConsole.MiniProgram;
using PushConsole.Persistence;

namespace PushConsole.Bench;

/// <summary>
/// End-to-end HTTP intake: many concurrent connections POST batches of 10 new formIds for many users (each with a
/// real session token, through the real rate limiter), and count only formIds acknowledged with 200 (= committed).
/// Then the same requests against the no-op handler of the same app, for the ratio.
/// </summary>
public static class IntakeBench
{
    private const int BatchSize = 10;

    public static async Task<int> RunAsync(BenchArguments args)
    {
        var seconds = args.Number("seconds", 10);
        // Long enough for tiered compilation to settle: a perf profile 8-16 s after start still found the JIT thread
        // at 24% of all CPU (about 4,000 methods re-compiled with PGO), which a 3 s warm-up counted as endpoint cost.
        var warmup = args.Number("warmup", 15);
        var connections = args.Number("connections", 64);
        var users = args.Number("users", 20_000);
        var database = await BenchDatabase.CreateAsync(args);
        Console.WriteLine($"load average before the run: {LoadAverage()}");
        Console.WriteLine($"intake: {database.Provider}, {connections} connections, {users} users, batches of {BatchSize}, {warmup} s warm-up + {seconds} s");
        Console.WriteLine($"  {await DescribeAsync(database)}");

        await using var host = new BenchHost(database).Start();
        Console.WriteLine($"  storage: {await BenchDatabase.DurabilityAsync(database)}");
        const string appId = "wxbench0000000001";
        int accountId;
        await using (var db = await host.Services.GetRequiredService<IDbContextFactory<PushConsoleDbContext>>().CreateDbContextAsync())
        {
            var account = new WeChatAccount
            {
                Name = "Bench", Kind = AccountKind.MiniProgram, AppId = appId, SecretCipher = "-", ApiBaseUrl = "http://127.0.0.1:1",
                CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow,
            };
            db.Accounts.Add(account);
            await db.SaveChangesAsync();
            accountId = account.Id;
        }
        var sessions = host.Services.GetRequiredService<MiniProgramSessionTokens>();
        var tokens = Enumerable.Range(0, users).Select(i => "Bearer " + sessions.Issue(appId, $"obench{i:D7}").Token).ToArray();

        using var http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
        }) { BaseAddress = host.BaseAddress };

        var intake = await DriveAsync(http, $"api/miniprogram/{appId}/formids", tokens, connections, warmup, seconds, "intake", database);
        var noOp = await DriveAsync(http, BenchHost.NoOpPath, tokens, connections, warmup, seconds, "noop", database);

        long stored;
        await using (var db = await host.Services.GetRequiredService<IDbContextFactory<PushConsoleDbContext>>().CreateDbContextAsync())
        {
            stored = await db.Credentials.LongCountAsync(c => c.AccountId == accountId);
        }
        Print("intake", intake);
        Print("no-op", noOp);
        Console.WriteLine($"  formIds acknowledged after commit: {intake.FormIdsPerSecond:N0}/s (target 60,000/s)");
        Console.WriteLine($"  intake / no-op requests per second: {intake.RequestsPerSecond / noOp.RequestsPerSecond:P0}");
        var perFormId = intake.CpuMicrosecondsPerRequest / BatchSize;
        Console.WriteLine(database.Provider == DatabaseProvider.Postgres
            ? $"  CPU per formId: {perFormId + intake.DatabaseCpuMicrosecondsPerFormId:N1} us = console and client {perFormId:N1} + PostgreSQL {intake.DatabaseCpuMicrosecondsPerFormId:N1} " +
              $"(free-core bound {Environment.ProcessorCount * 1_000_000 / (perFormId + intake.DatabaseCpuMicrosecondsPerFormId):N0} formIds/s)"
            : $"  CPU per formId: {perFormId:N1} us, console, client and SQLite (free-core bound {Environment.ProcessorCount * 1_000_000 / perFormId:N0} formIds/s)");
        Console.WriteLine($"  rows in the database: {stored:N0}; acknowledged in total (warm-up included): {intake.TotalAcknowledged:N0}");
        Summary.Print($"formId intake, batches of {BatchSize}, {database.Provider}", $"{intake.FormIdsPerSecond:N0}/s",
            $"no-op endpoint {noOp.FormIdsPerSecond:N0}/s ({Summary.Percent(intake.RequestsPerSecond, noOp.RequestsPerSecond)})", ">= 60,000/s",
            intake.FormIdsPerSecond >= 60_000 && stored >= intake.TotalAcknowledged && intake.Errors == 0);
        if (stored < intake.TotalAcknowledged)
        {
            Console.WriteLine("  ERROR: fewer rows than acknowledged formIds");
            return 1;
        }
        return intake.Errors == 0 ? 0 : 1;
    }

    private static async Task<string> DescribeAsync(DatabaseOptions database) => await Task.FromResult(
        $"{Environment.ProcessorCount} cores, .NET {Environment.Version}, server GC {System.Runtime.GCSettings.IsServerGC}");

    private sealed record Run(double RequestsPerSecond, double FormIdsPerSecond, double P50, double P99, long Errors, long TotalAcknowledged,
        double CpuMicrosecondsPerRequest, double DatabaseCpuMicrosecondsPerFormId);

    private static void Print(string name, Run run) =>
        Console.WriteLine($"  {name,-7} {run.RequestsPerSecond,10:N0} requests/s  {run.FormIdsPerSecond,10:N0} formIds/s  p50 {run.P50,7:N2} ms  p99 {run.P99,7:N2} ms  " +
            $"errors {run.Errors}  CPU {run.CpuMicrosecondsPerRequest:N0} us/request (client + server)");

    private static async Task<Run> DriveAsync(HttpClient http, string path, string[] tokens, int connections, int warmup, int seconds, string tag,
        DatabaseOptions database)
    {
        var measuring = 0;
        var stop = 0;
        // Ctrl+C / SIGTERM end the run early instead of leaving workers posting forever.
        using var interrupt = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            Volatile.Write(ref stop, 1);
        });
        using var interruptKey = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c =>
        {
            c.Cancel = true;
            Volatile.Write(ref stop, 1);
        });
        long requests = 0, acknowledged = 0, totalAcknowledged = 0, errors = 0;
        var latencies = new Latencies();
        var runTag = tag + Guid.NewGuid().ToString("N")[..6];
        var workers = Enumerable.Range(0, connections).Select(worker => Task.Run(async () =>
        {
            var mine = latencies.NewWorker();
            var user = worker;
            var sequence = 0L;
            var body = new StringBuilder(512);
            while (Volatile.Read(ref stop) == 0)
            {
                body.Clear().Append("{\"formIds\":[");
                for (var k = 0; k < BatchSize; k++)
                {
                    body.Append(k == 0 ? "\"" : ",\"").Append(runTag).Append('-').Append(worker).Append('-').Append(sequence).Append('-').Append(k).Append('"');
                }
                body.Append("]}");
                sequence++;
                using var request = new HttpRequestMessage(HttpMethod.Post, path)
                {
                    Content = new StringContent(body.ToString(), Encoding.UTF8, "application/json"),
                };
                request.Headers.TryAddWithoutValidation("Authorization", tokens[user]);
                user = (user + connections) % tokens.Length;
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await http.SendAsync(request);
                    var reply = await response.Content.ReadAsByteArrayAsync();
                    var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    var ok = response.StatusCode == HttpStatusCode.OK && AcceptedOf(reply) == BatchSize;
                    if (ok)
                    {
                        Interlocked.Add(ref totalAcknowledged, BatchSize);
                    }
                    if (Volatile.Read(ref measuring) == 1)
                    {
                        Interlocked.Increment(ref requests);
                        if (ok)
                        {
                            Interlocked.Add(ref acknowledged, BatchSize);
                            mine.Add(elapsed);
                        }
                        else
                        {
                            Interlocked.Increment(ref errors);
                        }
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        })).ToArray();

        await Task.Delay(TimeSpan.FromSeconds(warmup));
        Volatile.Write(ref measuring, 1);
        var clock = Stopwatch.StartNew();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var serverBefore = database.Provider == DatabaseProvider.Postgres ? await ServerCpu.PostgresAsync(database.ConnectionString) : null;
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        Volatile.Write(ref measuring, 0);
        var elapsedSeconds = clock.Elapsed.TotalSeconds;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMicroseconds;
        var serverCpu = serverBefore is null ? TimeSpan.Zero : ServerCpu.Between(serverBefore, await ServerCpu.PostgresAsync(database.ConnectionString));
        Volatile.Write(ref stop, 1);
        await Task.WhenAll(workers);
        var (p50, p99, _) = latencies.Summary();
        return new Run(requests / elapsedSeconds, acknowledged / elapsedSeconds, p50, p99, errors, totalAcknowledged,
            requests == 0 ? double.NaN : cpu / requests, acknowledged == 0 ? 0 : serverCpu.TotalMicroseconds / acknowledged);
    }

    /// <summary>Other processes on the machine take CPU from the run; the figures mean little without this.</summary>
    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static int AcceptedOf(byte[] reply)
    {
        try
        {
            using var document = JsonDocument.Parse(reply);
            return document.RootElement.TryGetProperty("accepted", out var accepted) ? accepted.GetInt32() : -1;
        }
        catch (JsonException)
        {
            return -1;
        }
    }
}
