using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;
using PushConsole.Persistence;
using PushConsole.Templates;
using PushConsole.Tests.Channels;
using PushConsole.Tests.Infrastructure;
using PushConsole.Tests.Simulator;

namespace PushConsole.Tests.Cluster;

/// <summary>
/// A cluster of console processes (<see cref="ConsoleProcess"/>, each killable with SIGKILL) on one PostgreSQL
/// database with Quartz.NET clustering, against an in-test simulator over loopback HTTP. Settings are quick for tests:
/// check-ins every second, nodes looking for runs to join twice a second, Sending rows of a dead node requeued after 5 s.
/// </summary>
public sealed class ClusterNodes : IAsyncDisposable
{
    public const int SendConcurrencyPerNode = 16;

    private readonly List<ConsoleProcess> nodes = [];
    private readonly Dictionary<string, string> settings;

    private ClusterNodes(DatabaseOptions database, SimulatorServer sim, Dictionary<string, string> settings)
    {
        Database = database;
        Sim = sim;
        this.settings = settings;
    }

    public DatabaseOptions Database { get; }
    public SimulatorServer Sim { get; }
    public IReadOnlyList<ConsoleProcess> Nodes => nodes;

    public static async Task<ClusterNodes> StartAsync(SimulatorServer sim, int count = 2, DatabaseOptions? database = null,
        IDictionary<string, string>? extra = null)
    {
        database ??= await TestDatabases.NewMigratedAsync(DatabaseProvider.Postgres);
        var settings = new Dictionary<string, string>
        {
            ["Scheduler__Clustered"] = "true",
            ["Scheduler__ClusterCheckinInterval"] = "00:00:01",
            ["Sending__HelperPollInterval"] = "00:00:00.500",
            ["Sending__StatusPollInterval"] = "00:00:00.500",
            ["Sending__AbandonedAfter"] = "00:00:05",
            ["Sending__PageRetryDelay"] = "00:00:00.200",
            ["Sending__MaxConcurrency"] = SendConcurrencyPerNode.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Sending__BatchSize"] = "100",
            ["WeChat__RetryBaseDelay"] = "00:00:00.020",
            ["WeChat__RetryMaxDelay"] = "00:00:00.200",
            ["WeChat__TokenPollInterval"] = "00:00:00.050",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }
        var cluster = new ClusterNodes(database, sim, settings);
        // One after the other: the first applies the migrations and creates Quartz's tables and the admin.
        try
        {
            for (var i = 1; i <= count; i++)
            {
                await cluster.StartNodeAsync(i);
            }
        }
        catch
        {
            // The caller never gets the cluster to dispose: stop the nodes that did start.
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    public async Task<ConsoleProcess> StartNodeAsync(int index)
    {
        var node = await ConsoleProcess.StartAsync(Database, ConsoleProcess.FreePort(),
            new Dictionary<string, string>(settings) { ["Scheduler__InstanceId"] = $"node{index}" });
        nodes.Add(node);
        return node;
    }

    /// <summary>An official account with <paramref name="followers"/> generated followers, its template, in the console.</summary>
    public async Task<Broadcast> NewBroadcastAsync(int followers, int ratePerSecond = 100_000)
    {
        var app = await Sim.NewAppAsync("officialaccount", quotas: new Dictionary<string, long?> { ["template_send"] = null, ["user_get"] = null });
        await app.GenerateFollowersAsync(followers);
        var weChatTemplateId = (await app.DefineTemplateAsync(new { title = "开播提醒", content = ChannelsHarness.TemplateContent }))
            .GetProperty("template_id").GetString()!;
        using var api = nodes[0].CreateHttpClient();
        using var account = await api.PostAsJsonAsync("api/v1/accounts", new
        {
            name = "Live " + app.AppId, kind = 2, appId = app.AppId, secret = app.Secret, apiBaseUrl = Sim.BaseAddress.ToString(),
            sendRatePerSecond = ratePerSecond, dailyQuota = 100_000_000, timeZone = "UTC",
        });
        Assert.True(account.IsSuccessStatusCode, await account.Content.ReadAsStringAsync());
        var accountId = (await account.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        var templateId = await BroadcastKillTests.AddLiveStartTemplateAsync(Database, accountId, weChatTemplateId);
        return new Broadcast(this, app, weChatTemplateId, accountId, templateId, followers);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in nodes)
        {
            node.Dispose();
        }
        await Task.CompletedTask;
    }
}

/// <summary>One account's broadcast on the cluster: start it (a channel whose reminder is due at once) and watch it.</summary>
public sealed class Broadcast(ClusterNodes cluster, TestApp app, string weChatTemplateId, int accountId, int templateId, int followers)
{
    public TestApp App => app;
    public string WeChatTemplateId => weChatTemplateId;
    public int Followers => followers;
    public int ChannelId { get; private set; }

    /// <summary>Creates the channel on <paramref name="via"/>; the reminder is due at once, so its trigger fires on some node.</summary>
    public async Task StartAsync(ConsoleProcess? via = null)
    {
        using var api = (via ?? cluster.Nodes[^1]).CreateHttpClient();
        using var channel = await api.PostAsJsonAsync("api/v1/channels", new
        {
            name = "Cluster live", accountId, templateId, timeZone = "UTC", reminderEnabled = true, reminderMinutesAhead = 10,
            startsAt = DateTime.UtcNow.AddMinutes(10).ToString("yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
        });
        Assert.True(channel.IsSuccessStatusCode, await channel.Content.ReadAsStringAsync());
        ChannelId = (await channel.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
    }

    public async Task<(string? Status, int Sent, int Failed)> StateAsync(ConsoleProcess? via = null)
    {
        using var api = (via ?? cluster.Nodes[0]).CreateHttpClient();
        var view = await api.GetFromJsonAsync<JsonElement>($"api/v1/channels/{ChannelId}");
        var status = view.GetProperty("reminder").GetProperty("status").GetString();
        return view.GetProperty("progress") is { ValueKind: JsonValueKind.Object } p
            ? (status, p.GetProperty("sent").GetInt32(), p.GetProperty("failed").GetInt32())
            : (status, 0, 0);
    }

    /// <summary>Polls until the reminder is no longer not-notified/notifying; returns the end state and how long it was notifying.</summary>
    public async Task<(string? Status, int Sent, int Failed, TimeSpan Notifying)> WaitEndAsync(ConsoleProcess? via = null, int seconds = 90)
    {
        var deadline = Stopwatch.StartNew();
        Stopwatch? notifying = null;
        while (true)
        {
            var state = await StateAsync(via);
            if (state.Status == "Notifying" && notifying is null)
            {
                notifying = Stopwatch.StartNew();
            }
            if (state.Status is not ("NotNotified" or "Notifying"))
            {
                return (state.Status, state.Sent, state.Failed, notifying?.Elapsed ?? TimeSpan.Zero);
            }
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(seconds),
                $"The broadcast did not end within {seconds} s: {state}\n{string.Join("\n---\n", cluster.Nodes.Select(n => n.Output))}");
            await Task.Delay(100);
        }
    }

    public async Task WaitSentAsync(int atLeast, ConsoleProcess? via = null)
    {
        await BroadcastTests.WaitUntilAsync(async () => (await StateAsync(via)).Sent >= atLeast, 60);
    }

    /// <summary>What each node's log says it sent of this broadcast (its "left the broadcast of run N" lines).</summary>
    public IReadOnlyList<int> SentPerNode()
    {
        var runs = cluster.Nodes.SelectMany(n => n.LinesWith($"joins the reminder broadcast of channel {ChannelId} (run "))
            .Select(l => Regex.Match(l, @"\(run (\d+)\)").Groups[1].Value).ToHashSet();
        return cluster.Nodes.Select(n => n.LinesWith("left the broadcast of run ")
            .Select(l => Regex.Match(l, @"left the broadcast of run (\d+) .*this node sent (\d+)"))
            .Where(m => m.Success && runs.Contains(m.Groups[1].Value))
            .Sum(m => int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
    }

    public async Task<long> SumOfAttemptsAsync()
    {
        await using var connection = new NpgsqlConnection(cluster.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """SELECT COALESCE(SUM(d."Attempts"), 0) FROM "Deliveries" d JOIN "DeliveryRuns" r ON r."Id" = d."RunId" WHERE r."ChannelId" = @c""", connection);
        command.Parameters.AddWithValue("c", ChannelId);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The simulator's counter for an API of this app (calls, ok, issued) or an errcode.</summary>
    public async Task<long> CounterAsync(string api, string counter)
    {
        var counters = await app.Server.GetAsync("control/counters");
        return counters.TryGetProperty(app.AppId, out var byApi) && byApi.TryGetProperty(api, out var c) && c.TryGetProperty(counter, out var n)
            ? n.GetInt64() : 0;
    }
}
