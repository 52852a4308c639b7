using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;

namespace PushConsole.Bench;

/// <summary>
/// The simulator's own ceiling on this machine: the most legacy template sends (the endpoint campaigns use) it
/// answers per second over loopback to a bare client that does nothing else — no database, no ledger, no pool.
/// </summary>
internal static class SimulatorCeiling
{
    public static async Task<double> MeasureAsync(StandaloneSimulator simulator, TimeSpan duration, int concurrency)
    {
        const string appId = "wxceiling00000001";
        const string secret = "ceilingsecret000000000000000000001";
        await simulator.PostAsync("control/apps", new { appid = appId, secret, kind = "miniprogram", quotas = new Dictionary<string, long?> { ["wxopen_template_send"] = null } });
        var template = await simulator.PostAsync($"control/apps/{appId}/templates", new
        {
            title = "签到提醒", content = "签到提醒:{{keyword1.DATA}}\n日期:{{keyword2.DATA}}\n", kind = "legacy",
        });
        var templateId = template.GetProperty("template_id").GetString()!;
        var token = (await simulator.GetAsync($"cgi-bin/token?grant_type=client_credential&appid={appId}&secret={secret}"))
            .GetProperty("access_token").GetString()!;
        // Enough formIds for the run (each send spends one), minted up front so minting is not measured.
        var users = Math.Max(20_000, (int)(duration.TotalSeconds * 40_000));
        var formIds = await MintAsync(simulator, appId, users, concurrency);

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, UseProxy = false })
        {
            BaseAddress = simulator.BaseAddress,
        };
        var path = $"cgi-bin/message/wxopen/template/send?access_token={token}";
        var next = -1;
        long sent = 0;
        using var stop = new CancellationTokenSource(duration);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= formIds.Count)
                {
                    return;
                }
                var (openId, formId) = formIds[i];
                var body = $"{{\"touser\":\"{openId}\",\"template_id\":\"{templateId}\",\"form_id\":\"{formId}\",\"page\":\"pages/index/index\"," +
                           "\"data\":{\"keyword1\":{\"value\":\"每日签到\"},\"keyword2\":{\"value\":\"2026-11-22\"}}}";
                using var content = new StringContent(body, Encoding.UTF8, "application/json");
                using var response = await http.PostAsync(path, content);
                var reply = await response.Content.ReadAsStringAsync();
                if (reply.Contains("\"errcode\":0", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref sent);
                }
            }
        })));
        return sent / clock.Elapsed.TotalSeconds;
    }

    /// <summary>One formId for each of <paramref name="count"/> users of the app, through the control API.</summary>
    public static async Task<List<(string OpenId, string FormId)>> MintAsync(StandaloneSimulator simulator, string appId, int count, int concurrency)
    {
        var minted = new (string, string)[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, ct) =>
        {
            var openId = $"o{appId[2..10]}_{i:D7}";
            var reply = await simulator.PostAsync($"control/apps/{appId}/formids", new { openid = openId, count = 1 });
            minted[i] = (openId, reply.GetProperty("form_ids")[0].GetString()!);
        });
        return [.. minted];
    }
}
