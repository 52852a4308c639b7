using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Npgsql;
using PushConsole.Persistence;
using PushConsole.Templates;

namespace PushConsole.Bench;

/// <summary>
/// <c>broadcast</c>: a channel reminder to N simulated followers, end to end. The standalone simulator and the console
/// run as processes of their own (as in production, the console's memory is its own); the bench creates the account,
/// template and channel, the reminder fires at once, and the bench samples the console's progress and resident memory
/// until the broadcast is notified, then checks the simulator's inboxes (every follower exactly once).
/// </summary>
public static class BroadcastBench
{
    private const string AdminToken = "pct_bench_admin_token_0123456789abcdef";
    internal const string TemplateContent = "直播:{{thing1.DATA}}\n开播时间:{{time2.DATA}}\n";

    public static async Task<int> RunAsync(BenchArguments args)
    {
        var followers = args.Number("followers", 1_000_000);
        var provider = args.Provider;
        var work = Directory.CreateTempSubdirectory("pushconsole-bench-").FullName;
        var database = provider == DatabaseProvider.Sqlite
            ? new DatabaseOptions { Provider = provider, ConnectionString = $"Data Source={Path.Combine(work, "bench.db")}" }
            : await NewPostgresAsync(args.PostgresAdmin);

        var simPort = FreePort();
        using var sim = ChildProcess.Start("simulator", "PushConsole.Simulator.dll", work, new()
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{simPort}",
        });
        var simUrl = new Uri($"http://127.0.0.1:{simPort}/");
        using var simHttp = new HttpClient { BaseAddress = simUrl, Timeout = TimeSpan.FromMinutes(5) };
        await sim.WaitReadyAsync(simUrl, "");

        var (appId, secret, weChatTemplateId) = await NewOfficialAccountAsync(simHttp, "wxbench", followers);

        var consolePort = FreePort();
        using var console = ChildProcess.Start("console", "PushConsole.dll", work, new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{consolePort}",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["PUSHCONSOLE_CONFIG"] = Path.Combine(work, "none.json"),
            ["Database__Provider"] = provider.ToString(),
            ["ConnectionStrings__PushConsole"] = database.ConnectionString,
            ["Bootstrap__AdminEmail"] = "bench@bench.local",
            ["Bootstrap__AdminPassword"] = "Bench-Pa55word",
            ["Bootstrap__ApiToken"] = AdminToken,
            ["Demo__Enabled"] = "false",
            ["Accounts__AllowedApiBaseUrls__0"] = simUrl.GetLeftPart(UriPartial.Authority),
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__PushConsole.Channels"] = "Information",
            ["Sending__MaxConcurrency"] = args.Number("concurrency", 128).ToString(CultureInfo.InvariantCulture),
            // The console's own default unless --batch is given.
            ["Sending__BatchSize"] = args.Number("batch", new PushConsole.Sending.SendingOptions().BatchSize).ToString(CultureInfo.InvariantCulture),
        }.Concat(ConsoleRuntime(args)).ToDictionary());
        var consoleUrl = new Uri($"http://127.0.0.1:{consolePort}/");
        await console.WaitReadyAsync(consoleUrl, "healthz");
        using var api = new HttpClient { BaseAddress = consoleUrl, Timeout = TimeSpan.FromMinutes(2) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);

        var account = await PostAsync(api, "api/v1/accounts", new
        {
            name = "Bench live", kind = 2, appId, secret, apiBaseUrl = simUrl.ToString(), sendRatePerSecond = 100_000,
            dailyQuota = 100_000_000, timeZone = "Asia/Shanghai",
        });
        var templateId = await AddTemplateAsync(database, account.GetProperty("id").GetInt32(), weChatTemplateId);
        var started = Stopwatch.StartNew();
        var channel = await PostAsync(api, "api/v1/channels", new
        {
            name = "Bench live", accountId = account.GetProperty("id").GetInt32(), templateId, timeZone = "UTC",
            startsAt = DateTime.UtcNow.AddMinutes(30).ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture),
            reminderEnabled = true, reminderMinutesAhead = 30,
        });
        var channelId = channel.GetProperty("id").GetInt32();
        Console.WriteLine($"broadcast: {followers:N0} followers, {provider}, console pid {console.Id}, simulator pid {sim.Id}");

        TimeSpan? firstSend = null;
        // CPU is counted from the first send, so start-up (JIT, migrations) is not charged to the sends.
        TimeSpan consoleCpuAtStart = TimeSpan.Zero, simCpuAtStart = TimeSpan.Zero;
        long peakRss = 0;
        var lastPrint = TimeSpan.Zero;
        string status;
        int sent, failed;
        while (true)
        {
            await Task.Delay(500);
            peakRss = Math.Max(peakRss, console.ResidentBytes());
            var view = await api.GetFromJsonAsync<JsonElement>($"api/v1/channels/{channelId}");
            status = view.GetProperty("reminder").GetProperty("status").GetString()!;
            (sent, failed) = view.GetProperty("progress") is { ValueKind: JsonValueKind.Object } p
                ? (p.GetProperty("sent").GetInt32(), p.GetProperty("failed").GetInt32()) : (0, 0);
            if (firstSend is null && sent > 0)
            {
                firstSend = started.Elapsed;
                (consoleCpuAtStart, simCpuAtStart) = (console.CpuTime(), sim.CpuTime());
            }
            if (started.Elapsed - lastPrint >= TimeSpan.FromSeconds(5))
            {
                lastPrint = started.Elapsed;
                Console.WriteLine($"  {started.Elapsed:mm\\:ss} {status,-11} sent {sent,9:N0}  failed {failed,6:N0}  rss {peakRss / 1048576.0,6:N0} MB peak");
            }
            if (status is not ("NotNotified" or "Notifying"))
            {
                break;
            }
            if (console.HasExited)
            {
                Console.Error.WriteLine("The console exited:\n" + console.Output);
                return 1;
            }
        }
        var total = started.Elapsed;
        var consoleCpu = console.CpuTime() - consoleCpuAtStart;
        var simCpu = sim.CpuTime() - simCpuAtStart;
        peakRss = Math.Max(peakRss, console.PeakResidentBytes());
        var sendWindow = total - (firstSend ?? TimeSpan.Zero);
        var rate = sent / Math.Max(0.001, sendWindow.TotalSeconds);

        var counts = await simHttp.GetFromJsonAsync<JsonElement>($"control/apps/{appId}/deliveries/count?template_id={weChatTemplateId}");
        var delivered = counts.GetProperty("template_total").GetInt64();
        var recipients = counts.GetProperty("template_recipients").GetInt32();
        var duplicates = counts.GetProperty("recipients_with_duplicates").GetInt32();

        Console.WriteLine();
        Console.WriteLine($"status          {status}");
        Console.WriteLine($"sent / failed   {sent:N0} / {failed:N0}");
        Console.WriteLine($"simulator       {delivered:N0} delivered to {recipients:N0} followers, {duplicates:N0} with more than one");
        Console.WriteLine($"duration        {total.TotalSeconds:N1} s from saving the channel ({sendWindow.TotalSeconds:N1} s from the first send)");
        Console.WriteLine($"sends/s         {rate:N0}");
        Console.WriteLine($"console RSS     {peakRss / 1048576.0:N0} MB peak");
        // CPU per send does not depend on how busy the machine is: it says what the cores could carry if they were free.
        var perSend = (consoleCpu.TotalMilliseconds * 1000 / Math.Max(1, sent), simCpu.TotalMilliseconds * 1000 / Math.Max(1, sent));
        Console.WriteLine($"CPU             console {consoleCpu.TotalSeconds:N1} s ({perSend.Item1:N0} µs/send), simulator {simCpu.TotalSeconds:N1} s ({perSend.Item2:N0} µs/send)");
        Console.WriteLine($"free-core bound {Environment.ProcessorCount * 1_000_000 / Math.Max(1, perSend.Item1 + perSend.Item2):N0} sends/s on {Environment.ProcessorCount} idle cores (console + simulator CPU per send)");
        Console.WriteLine($"machine         {Environment.ProcessorCount} cores, load average {LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine($"| broadcast | {followers:N0} followers, {provider}, {Environment.ProcessorCount} cores | {rate:N0} sends/s | {peakRss / 1048576.0:N0} MB peak RSS | {duplicates} duplicates, {recipients:N0}/{followers:N0} reached |");
        var freeCoreBound = Environment.ProcessorCount * 1_000_000 / Math.Max(1, perSend.Item1 + perSend.Item2);
        Summary.Print($"broadcast to {followers:N0} followers, {provider}", $"{rate:N0}/s, {peakRss / 1048576.0:N0} MB peak RSS, {duplicates} duplicates",
            $"free-core bound {freeCoreBound:N0}/s", ">= 17,000/s, < 300 MB",
            rate >= 17_000 && peakRss < 300L * 1048576 && status == "Notified" && recipients == followers && duplicates == 0);
        return status == "Notified" && recipients == followers && duplicates == 0 ? 0 : 1;
    }

    /// <summary>--gc workstation|server|conserve: the console's garbage collector, to compare memory and throughput.</summary>
    private static Dictionary<string, string> ConsoleRuntime(BenchArguments args)
    {
        var environment = args.Text("gc", "default") switch
        {
            "workstation" => new Dictionary<string, string> { ["DOTNET_gcServer"] = "0" },
            "server" => new() { ["DOTNET_gcServer"] = "1" },
            "conserve" => new() { ["DOTNET_GCConserveMemory"] = "5" },
            _ => new(),
        };
        // --spin N: how long idle thread-pool workers spin before sleeping (the runtime's default is 70).
        if (args.Text("spin", "") is { Length: > 0 } spin)
        {
            environment["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"] = spin;
        }
        // --console-env KEY=VALUE,KEY=VALUE: any other runtime setting of the console alone (e.g. DOTNET_GCgen0size=0x800000).
        foreach (var pair in args.Text("console-env", "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = pair.IndexOf('=');
            if (equals <= 0)
            {
                throw new ArgumentException($"--console-env takes KEY=VALUE pairs separated by commas, not '{pair}'.");
            }
            environment[pair[..equals]] = pair[(equals + 1)..];
        }
        return environment;
    }

    /// <summary>An official account in the simulator with generated followers, no send quotas, and the live-start template.</summary>
    internal static async Task<(string AppId, string Secret, string WeChatTemplateId)> NewOfficialAccountAsync(HttpClient simHttp, string prefix, int followers)
    {
        var appId = prefix + Guid.NewGuid().ToString("N")[..10];
        var secret = Guid.NewGuid().ToString("N");
        await PostAsync(simHttp, "control/apps", new
        {
            appid = appId, secret, kind = "officialaccount",
            quotas = new Dictionary<string, long?> { ["template_send"] = null, ["user_get"] = null },
        });
        await PostAsync(simHttp, $"control/apps/{appId}/followers/generate", new { count = followers });
        var weChatTemplateId = (await PostAsync(simHttp, $"control/apps/{appId}/templates", new { title = "开播提醒", content = TemplateContent }))
            .GetProperty("template_id").GetString()!;
        return (appId, secret, weChatTemplateId);
    }

    internal static async Task<JsonElement> PostAsync(HttpClient http, string path, object body)
    {
        using var response = await http.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {text}");
        }
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    internal static async Task<int> AddTemplateAsync(DatabaseOptions database, int accountId, string weChatTemplateId)
    {
        var builder = new Microsoft.EntityFrameworkCore.DbContextOptionsBuilder<PushConsoleDbContext>();
        DatabaseServiceCollectionExtensions.Configure(builder, database);
        await using var db = new PushConsoleDbContext(builder.Options);
        var template = new MessageTemplate
        {
            AccountId = accountId, Kind = TemplateKind.OfficialAccountTemplate, WeChatTemplateId = weChatTemplateId, Title = "开播提醒",
            Content = TemplateContent, Enabled = true,
            Fields =
            [
                new TemplateField { Key = "thing1", Label = "直播", ValueExpression = "{channel.name}" },
                new TemplateField { Key = "time2", Label = "开播时间", ValueExpression = "{channel.startsAt}" },
            ],
        };
        db.Templates.Add(template);
        await db.SaveChangesAsync();
        return template.Id;
    }

    internal static async Task<DatabaseOptions> NewPostgresAsync(string admin)
    {
        var name = $"pcbench_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new DatabaseOptions
        {
            Provider = DatabaseProvider.Postgres,
            ConnectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString,
        };
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    /// <summary>A .NET app from the bench's output directory, run as its own process.</summary>
    internal sealed class ChildProcess : IDisposable
    {
        private readonly Process process;
        private readonly List<string> output = [];

        private ChildProcess(Process process)
        {
            this.process = process;
            process.OutputDataReceived += (_, e) => Keep(e.Data);
            process.ErrorDataReceived += (_, e) => Keep(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public int Id => process.Id;
        public bool HasExited => process.HasExited;
        public string Output { get { lock (output) return string.Join("\n", output.TakeLast(40)); } }

        public static ChildProcess Start(string name, string dll, string workDir, Dictionary<string, string> environment)
        {
            var info = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, dll)])
            {
                WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            // The console as deployed on Linux (README, "Memory"): two malloc arenas, unless the caller set its own.
            if (dll == "PushConsole.dll" && !info.Environment.ContainsKey("MALLOC_ARENA_MAX"))
            {
                info.Environment["MALLOC_ARENA_MAX"] = "2";
            }
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }
            return new ChildProcess(Process.Start(info) ?? throw new InvalidOperationException($"Could not start the {name}."));
        }

        public async Task WaitReadyAsync(Uri baseAddress, string path)
        {
            using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(5) };
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (true)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"{process.StartInfo.ArgumentList[0]} exited:\n{Output}");
                }
                try
                {
                    using var response = await http.GetAsync(path);
                    if (response.IsSuccessStatusCode)
                    {
                        return;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // Still starting.
                }
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"{process.StartInfo.ArgumentList[0]} did not become ready:\n{Output}");
                }
                await Task.Delay(200);
            }
        }

        /// <summary>User + system CPU time the process has used (from /proc/PID/stat, in clock ticks of 10 ms).</summary>
        public TimeSpan CpuTime() => ServerCpu.OfProcess(process.Id);

        public long ResidentBytes() => StatusKilobytes("VmRSS:") * 1024;

        /// <summary>The kernel's high-water mark of the resident set (VmHWM), so a spike between samples is not missed.</summary>
        public long PeakResidentBytes() => StatusKilobytes("VmHWM:") * 1024;

        private long StatusKilobytes(string field)
        {
            try
            {
                var line = File.ReadLines($"/proc/{process.Id}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
                return line is null ? 0 : long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                return 0;
            }
        }

        private void Keep(string? line)
        {
            if (line is null)
            {
                return;
            }
            lock (output)
            {
                output.Add(line);
                if (output.Count > 400)
                {
                    output.RemoveRange(0, 200);
                }
            }
        }

        public void Dispose()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
            process.Dispose();
        }
    }
}
