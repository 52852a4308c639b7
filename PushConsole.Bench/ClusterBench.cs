using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using static PushConsole.Bench.BroadcastBench;

namespace PushConsole.Bench;

/// <summary>
/// <c>cluster --nodes 1,2,3 --followers N</c>: the same broadcast (N simulated followers, the standalone simulator) on a
/// cluster of 1, 2, 3… console processes sharing a fresh PostgreSQL database per round, with Quartz.NET clustering.
/// Prints one table row per cluster size: sends/s from the first send, what each node sent, the CPU of the consoles,
/// the simulator and PostgreSQL per send, and the inbox check (every follower exactly once).
/// </summary>
public static class ClusterBench
{
    private const string AdminToken = "pct_bench_admin_token_0123456789abcdef";

    public static async Task<int> RunAsync(BenchArguments args)
    {
        var sizes = args.Text("nodes", "1,2,3").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(n => int.Parse(n, CultureInfo.InvariantCulture)).ToList();
        var followers = args.Number("followers", 200_000);
        var admin = args.PostgresAdmin;
        var work = Directory.CreateTempSubdirectory("pushconsole-cluster-bench-").FullName;

        var simPort = FreePort();
        using var sim = ChildProcess.Start("simulator", "PushConsole.Simulator.dll", work, new() { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{simPort}" });
        var simUrl = new Uri($"http://127.0.0.1:{simPort}/");
        using var simHttp = new HttpClient { BaseAddress = simUrl, Timeout = TimeSpan.FromMinutes(5) };
        await sim.WaitReadyAsync(simUrl, "");
        Console.WriteLine($"cluster: {followers:N0} followers per broadcast, cluster sizes {string.Join(", ", sizes)}, {Environment.ProcessorCount} cores, simulator pid {sim.Id}");

        var rows = new List<string>();
        var ok = true;
        foreach (var size in sizes)
        {
            var (row, passed) = await RoundAsync(args, size, followers, admin, work, sim, simHttp, simUrl);
            rows.Add(row);
            ok &= passed;
        }
        Console.WriteLine();
        Console.WriteLine("| nodes | followers | sends/s | per node sent | CPU µs/send (consoles · simulator · PostgreSQL) | inboxes |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var row in rows)
        {
            Console.WriteLine(row);
        }
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, load average {LoadAverage()}");
        return ok ? 0 : 1;
    }

    private static async Task<(string Row, bool Passed)> RoundAsync(BenchArguments args, int size, int followers, string admin, string work,
        ChildProcess sim, HttpClient simHttp, Uri simUrl)
    {
        var database = await NewPostgresAsync(admin);
        var (appId, secret, weChatTemplateId) = await NewOfficialAccountAsync(simHttp, "wxcluster", followers);

        var nodes = new List<ChildProcess>();
        try
        {
            var urls = new List<Uri>();
            for (var i = 1; i <= size; i++)
            {
                var port = FreePort();
                var node = ChildProcess.Start($"node{i}", "PushConsole.dll", work, new Dictionary<string, string>
                {
                    ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
                    ["ASPNETCORE_ENVIRONMENT"] = "Production",
                    ["PUSHCONSOLE_CONFIG"] = Path.Combine(work, "none.json"),
                    ["Database__Provider"] = "Postgres",
                    ["ConnectionStrings__PushConsole"] = database.ConnectionString,
                    ["Scheduler__Clustered"] = "true",
                    ["Scheduler__InstanceId"] = $"node{i}",
                    ["Scheduler__ClusterCheckinInterval"] = "00:00:01",
                    ["Bootstrap__AdminEmail"] = "bench@bench.local",
                    ["Bootstrap__AdminPassword"] = "Bench-Pa55word",
                    ["Bootstrap__ApiToken"] = AdminToken,
                    ["Demo__Enabled"] = "false",
                    ["Accounts__AllowedApiBaseUrls__0"] = simUrl.GetLeftPart(UriPartial.Authority),
                    ["Logging__LogLevel__Default"] = "Warning",
                    ["Logging__LogLevel__PushConsole.Sending.RunExecutor"] = "Information", // its "this node sent N" line gives the per-node figures
                    ["Sending__MaxConcurrency"] = args.Number("concurrency", 128).ToString(CultureInfo.InvariantCulture),
                    ["Sending__BatchSize"] = args.Number("batch", 1000).ToString(CultureInfo.InvariantCulture),
                    ["Sending__HelperPollInterval"] = "00:00:00.200",
                });
                nodes.Add(node);
                var url = new Uri($"http://127.0.0.1:{port}/");
                urls.Add(url);
                // One after the other: the first creates the schema and the admin.
                await node.WaitReadyAsync(url, "healthz");
            }
            // Let every node see the others check in, so each holds its share of the account's rate from the start.
            await Task.Delay(TimeSpan.FromSeconds(3));
            using var api = new HttpClient { BaseAddress = urls[0], Timeout = TimeSpan.FromMinutes(2) };
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
            var account = await PostAsync(api, "api/v1/accounts", new
            {
                name = "Cluster bench", kind = 2, appId, secret, apiBaseUrl = simUrl.ToString(),
                sendRatePerSecond = args.Number("rate", 100_000), dailyQuota = 100_000_000, timeZone = "UTC",
            });
            var accountId = account.GetProperty("id").GetInt32();
            var templateId = await AddTemplateAsync(database, accountId, weChatTemplateId);
            var channel = await PostAsync(api, "api/v1/channels", new
            {
                name = "Cluster bench", accountId, templateId, timeZone = "UTC",
                startsAt = DateTime.UtcNow.AddMinutes(30).ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture),
                reminderEnabled = true, reminderMinutesAhead = 30,
            });
            var channelId = channel.GetProperty("id").GetInt32();

            var clock = Stopwatch.StartNew();
            TimeSpan? firstSend = null;
            TimeSpan nodesCpu0 = TimeSpan.Zero, simCpu0 = TimeSpan.Zero, pgCpu0 = TimeSpan.Zero;
            string status;
            int sent, failed;
            var lastPrint = TimeSpan.Zero;
            while (true)
            {
                await Task.Delay(250);
                var view = await api.GetFromJsonAsync<JsonElement>($"api/v1/channels/{channelId}");
                status = view.GetProperty("reminder").GetProperty("status").GetString()!;
                (sent, failed) = view.GetProperty("progress") is { ValueKind: JsonValueKind.Object } p
                    ? (p.GetProperty("sent").GetInt32(), p.GetProperty("failed").GetInt32()) : (0, 0);
                if (firstSend is null && sent > 0)
                {
                    firstSend = clock.Elapsed;
                    (nodesCpu0, simCpu0, pgCpu0) = (Sum(nodes.Select(n => n.CpuTime())), sim.CpuTime(), PostgresCpu());
                }
                if (clock.Elapsed - lastPrint >= TimeSpan.FromSeconds(5))
                {
                    lastPrint = clock.Elapsed;
                    Console.WriteLine($"  {size} node(s) {clock.Elapsed:mm\\:ss} {status,-11} sent {sent,9:N0}  failed {failed,6:N0}");
                }
                if (status is not ("NotNotified" or "Notifying"))
                {
                    break;
                }
                if (nodes.FirstOrDefault(n => n.HasExited) is { } dead)
                {
                    throw new InvalidOperationException("A node exited:\n" + dead.Output);
                }
            }
            var window = clock.Elapsed - (firstSend ?? TimeSpan.Zero);
            var rate = sent / Math.Max(0.001, window.TotalSeconds);
            var perSend = (Us(Sum(nodes.Select(n => n.CpuTime())) - nodesCpu0, sent), Us(sim.CpuTime() - simCpu0, sent), Us(PostgresCpu() - pgCpu0, sent));
            await Task.Delay(1_000);
            var perNode = nodes.Select(n => System.Text.RegularExpressions.Regex.Matches(n.Output, @"this node sent (\d+)")
                .Sum(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))).ToList();
            var counts = await simHttp.GetFromJsonAsync<JsonElement>($"control/apps/{appId}/deliveries/count?template_id={weChatTemplateId}");
            var recipients = counts.GetProperty("template_recipients").GetInt32();
            var duplicates = counts.GetProperty("recipients_with_duplicates").GetInt32();
            Console.WriteLine($"  {size} node(s): {status}, {sent:N0} sent in {window.TotalSeconds:N1} s = {rate:N0}/s; per node {string.Join(" / ", perNode.Select(n => n.ToString("N0", CultureInfo.InvariantCulture)))}; " +
                              $"{recipients:N0} reached, {duplicates} duplicates");
            var row = $"| {size} | {followers:N0} | {rate:N0} | {string.Join(" / ", perNode.Select(n => n.ToString("N0", CultureInfo.InvariantCulture)))} | " +
                      $"{perSend.Item1:N0} · {perSend.Item2:N0} · {perSend.Item3:N0} | {recipients:N0} reached, {duplicates} duplicates |";
            var passed = status == "Notified" && recipients == followers && duplicates == 0;
            Summary.Print($"broadcast on a cluster of {size} node(s), {followers:N0} followers, PostgreSQL", $"{rate:N0}/s, {duplicates} duplicates",
                $"per node {string.Join(" / ", perNode.Select(n => n.ToString("N0", CultureInfo.InvariantCulture)))}; CPU us/send {perSend.Item1:N0} · {perSend.Item2:N0} · {perSend.Item3:N0}",
                "work spread over the nodes, 0 duplicates", passed && perNode.All(n => n > 0));
            return (row, passed);
        }
        finally
        {
            foreach (var node in nodes)
            {
                node.Dispose();
            }
        }
    }

    private static TimeSpan Sum(IEnumerable<TimeSpan> times) => times.Aggregate(TimeSpan.Zero, (a, b) => a + b);

    private static double Us(TimeSpan cpu, int sends) => cpu.TotalMilliseconds * 1000 / Math.Max(1, sends);

    /// <summary>CPU of every postgres process on the machine (the bench's server; others idle), from /proc.</summary>
    private static TimeSpan PostgresCpu()
    {
        var total = 0L;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                if (!int.TryParse(Path.GetFileName(dir), out var pid) || File.ReadAllText(Path.Combine(dir, "comm")).Trim() != "postgres")
                {
                    continue;
                }
                total += ServerCpu.OfProcess(pid).Ticks;
            }
            catch (IOException)
            {
                // The process ended.
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours to read.
            }
        }
        return TimeSpan.FromTicks(total);
    }
}
