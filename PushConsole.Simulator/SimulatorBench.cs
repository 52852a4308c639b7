using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PushConsole.Simulator;

/// <summary>
/// <c>bench [--seconds 10] [--concurrency 64] [--followers 100000] [--warmup 2] [--url http://host:port]</c>:
/// drives cgi-bin/message/template/send over loopback HTTP and prints requests/s and latency percentiles.
/// Without --url it hosts the simulator in-process on 127.0.0.1 (client and server share the machine's cores).
/// </summary>
public static class SimulatorBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = Arg(args, "--seconds", 10);
        var concurrency = Arg(args, "--concurrency", 64);
        var followers = Arg(args, "--followers", 100_000);
        var warmup = Arg(args, "--warmup", 2);
        var url = ArgText(args, "--url");

        WebApplication? host = null;
        if (url is null)
        {
            var builder = WebApplication.CreateBuilder();
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.WebHost.ConfigureKestrel(k =>
            {
                k.AddServerHeader = false;
                k.Listen(IPAddress.Loopback, 0);
            });
            builder.Services.AddWeChatSimulator();
            host = builder.Build();
            host.MapWeChatSimulator();
            await host.StartAsync();
            url = host.Urls.First();
        }
        url = url.TrimEnd('/');

        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = concurrency,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        using var http = new HttpClient(handler) { BaseAddress = new Uri(url + "/") };

        const string appId = "wxbench0000000001";
        const string secret = "benchsecret0000000000000000000001";
        (await http.PostAsJsonAsync("control/apps", new
        {
            appid = appId, secret, kind = "officialaccount", quotas = new Dictionary<string, long?> { ["template_send"] = null },
        })).EnsureSuccessStatusCode();
        (await http.PostAsJsonAsync($"control/apps/{appId}/templates", new
        {
            template_id = "bench_tpl", title = "订单状态通知", content = "订单号:{{character_string1.DATA}}\n状态:{{thing2.DATA}}\n时间:{{time3.DATA}}",
        })).EnsureSuccessStatusCode();
        (await http.PostAsJsonAsync($"control/apps/{appId}/followers/generate", new { count = followers })).EnsureSuccessStatusCode();
        var tokenJson = await http.GetFromJsonAsync<JsonElement>($"cgi-bin/token?grant_type=client_credential&appid={appId}&secret={secret}");
        var token = tokenJson.GetProperty("access_token").GetString()!;
        var before = await Delivered(http, appId);

        var prefix = WeChatSimulator.GeneratedOpenId(appId, 0)[..^9];
        var path = "cgi-bin/message/template/send?access_token=" + token;
        long next = 0;
        var measuring = false;
        var stop = false;
        var latencies = new List<long>[concurrency];
        var errors = new long[concurrency];

        async Task Worker(int w)
        {
            var mine = latencies[w] = new List<long>(1 << 16);
            while (!Volatile.Read(ref stop))
            {
                var i = Interlocked.Increment(ref next) % followers;
                var body = "{\"touser\":\"" + prefix + i.ToString("D9", CultureInfo.InvariantCulture) +
                           "\",\"template_id\":\"bench_tpl\",\"url\":\"https://example.com/o/1\",\"data\":{" +
                           "\"character_string1\":{\"value\":\"SO20240101000123\"},\"thing2\":{\"value\":\"已发货\"},\"time3\":{\"value\":\"2024-01-01 12:00\"}}," +
                           "\"client_msg_id\":\"bench-" + i.ToString(CultureInfo.InvariantCulture) + "-" + w + "\"}";
                var t0 = Stopwatch.GetTimestamp();
                using var content = new StringContent(body, Encoding.UTF8, "application/json");
                using var resp = await http.PostAsync(path, content);
                var bytes = await resp.Content.ReadAsByteArrayAsync();
                var elapsed = Stopwatch.GetTimestamp() - t0;
                if (!Volatile.Read(ref measuring)) continue;
                mine.Add(elapsed);
                if (resp.StatusCode != HttpStatusCode.OK || bytes.AsSpan().IndexOf("\"errcode\":0,"u8) < 0) errors[w]++;
            }
        }

        Console.WriteLine($"simulator at {url}; {concurrency} concurrent senders, {followers} followers, warm-up {warmup}s, measuring {seconds}s");
        var tasks = Enumerable.Range(0, concurrency).Select(w => Task.Run(() => Worker(w))).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(warmup));
        var startCount = Interlocked.Read(ref next);
        Volatile.Write(ref measuring, true);
        var sw = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        Volatile.Write(ref measuring, false);
        sw.Stop();
        Volatile.Write(ref stop, true);
        await Task.WhenAll(tasks);

        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        double P(double q) => all.Length == 0 ? 0 : Ms(all[Math.Min(all.Length - 1, (int)(q * all.Length))]);
        var total = all.Length;
        var rps = total / sw.Elapsed.TotalSeconds;
        var after = await Delivered(http, appId);
        Console.WriteLine($"requests: {total}  errors: {errors.Sum()}  elapsed: {sw.Elapsed.TotalSeconds:F1}s");
        Console.WriteLine($"throughput: {rps:F0} requests/s");
        Console.WriteLine($"latency ms: p50 {P(0.50):F2}  p90 {P(0.90):F2}  p99 {P(0.99):F2}  max {(total == 0 ? 0 : Ms(all[^1])):F2}");
        Console.WriteLine($"delivered by the simulator during the run (incl. warm-up): {after - before} (requests issued {Interlocked.Read(ref next) - startCount + startCount})");
        var dupWatch = Stopwatch.StartNew();
        var dup = await http.GetFromJsonAsync<JsonElement>($"control/apps/{appId}/deliveries/count?template_id=bench_tpl");
        dupWatch.Stop();
        Console.WriteLine($"duplicate check over {dup.GetProperty("total").GetInt64()} deliveries: {dupWatch.ElapsedMilliseconds} ms, " +
                          $"recipients {dup.GetProperty("template_recipients").GetInt32()}, with >1 message {dup.GetProperty("recipients_with_duplicates").GetInt32()}");
        if (host is not null)
        {
            GC.Collect();
            Console.WriteLine($"process: {Environment.ProcessorCount} cores, GC heap after full GC {GC.GetTotalMemory(true) / (1024 * 1024)} MB, " +
                              $"working set {Environment.WorkingSet / (1024 * 1024)} MB");
        }

        if (host is not null)
        {
            await host.StopAsync();
            await host.DisposeAsync();
        }
        return errors.Sum() == 0 ? 0 : 1;
    }

    private static async Task<long> Delivered(HttpClient http, string appId)
    {
        var j = await http.GetFromJsonAsync<JsonElement>($"control/apps/{appId}/deliveries/count");
        return j.GetProperty("total").GetInt64();
    }

    private static int Arg(string[] args, string name, int fallback) =>
        ArgText(args, name) is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : fallback;

    private static string? ArgText(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
