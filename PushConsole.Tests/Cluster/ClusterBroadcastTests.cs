using PushConsole.Channels;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;
using PushConsole.Tests.Channels;
using Quartz;
using Xunit.Abstractions;

namespace PushConsole.Tests.Cluster;

/// <summary>
/// Broadcasts on a two-node cluster (separate processes, one database (PostgreSQL here; SQL Server where a server is configured), Quartz.NET clustering) against the
/// simulator over loopback HTTP; every check of who got what is read from the simulator's inboxes and counters.
/// </summary>
public class ClusterBroadcastTests(TwoNodeCluster cluster, ITestOutputHelper log) : IClassFixture<TwoNodeCluster>
{
    [Theory]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task Two_nodes_share_a_broadcast_within_the_accounts_rate_and_every_follower_gets_exactly_one_message(DatabaseProvider provider)
    {
        var nodes = await cluster.NodesAsync(provider);
        // 1,000/s for the account: each node holds half, so 6,000 followers take at least ~6 s; nodes each using the
        // whole rate would be done in ~3 s.
        var broadcast = await nodes.NewBroadcastAsync(6_000, ratePerSecond: 1_000);

        await broadcast.StartAsync();
        var end = await broadcast.WaitEndAsync();

        // Each node logs its share when it leaves the broadcast, which may come just after the channel is notified.
        await BroadcastTests.WaitUntilAsync(() => Task.FromResult(broadcast.SentPerNode().Sum() >= 6_000 && broadcast.SentPerNode().All(n => n > 0)), 15)
            .ContinueWith(_ => { }, TaskScheduler.Default);
        log.WriteLine($"{end}; sent per node {string.Join(", ", broadcast.SentPerNode())}");
        Assert.Equal(("Notified", 6_000, 0), (end.Status, end.Sent, end.Failed));
        await broadcast.App.AssertEachGotExactlyOneAsync(broadcast.WeChatTemplateId, 6_000);
        Assert.All(broadcast.SentPerNode(), sent => Assert.True(sent > 0, "a node sent nothing: the broadcast was not shared"));
        Assert.Equal(6_000, broadcast.SentPerNode().Sum());
        Assert.True(end.Notifying >= TimeSpan.FromSeconds(4.8), $"6,000 sends at 1,000/s took {end.Notifying}: the nodes together exceeded the account's rate");
        // One page of followers and the end-of-list answer, read by one node for both (user/get has a daily quota).
        Assert.InRange(await broadcast.CounterAsync("user_get", "calls"), 1, 2);
    }

    [Theory]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task Sends_answered_with_minus_one_a_fifth_of_the_time_are_all_delivered_through_retries(DatabaseProvider provider)
    {
        var nodes = await cluster.NodesAsync(provider);
        var broadcast = await nodes.NewBroadcastAsync(3_000);
        await broadcast.App.AddFaultAsync(new { appid = broadcast.App.AppId, api = "template_send", errcode = -1, rate = 0.2 });

        await broadcast.StartAsync();
        var end = await broadcast.WaitEndAsync();

        var systemErrors = await broadcast.App.ErrorCountAsync("template_send", -1);
        log.WriteLine($"{end}; -1 answers {systemErrors}; sent per node {string.Join(", ", broadcast.SentPerNode())}");
        Assert.Equal(("Notified", 3_000, 0), (end.Status, end.Sent, end.Failed));
        Assert.InRange(systemErrors, 400, 1_200);
        await broadcast.App.AssertEachGotExactlyOneAsync(broadcast.WeChatTemplateId, 3_000);
    }

    [Theory]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task With_200_ms_of_latency_throughput_is_bounded_by_the_configured_concurrency_without_a_storm_of_timeouts(DatabaseProvider provider)
    {
        var nodes = await cluster.NodesAsync(provider);
        const int followers = 800;
        var broadcast = await nodes.NewBroadcastAsync(followers);
        await broadcast.App.AddFaultAsync(new { appid = broadcast.App.AppId, api = "template_send", latency_ms = 200 });

        await broadcast.StartAsync();
        var end = await broadcast.WaitEndAsync();

        // Two nodes × 16 sends in flight, 200 ms each: at most 160 sends/s, so 800 followers take at least 5 s.
        var ceiling = 2.0 * ClusterNodes.SendConcurrencyPerNode / 0.2;
        var ideal = TimeSpan.FromSeconds(followers / ceiling);
        var calls = await broadcast.CounterAsync("template_send", "calls");
        log.WriteLine($"{end}; ceiling {ceiling}/s, ideal {ideal}; {followers / end.Notifying.TotalSeconds:N0}/s; template_send calls {calls}; attempts {await broadcast.SumOfAttemptsAsync()}");
        Assert.Equal(("Notified", followers, 0), (end.Status, end.Sent, end.Failed));
        Assert.True(end.Notifying >= ideal * 0.8, $"{followers} sends took {end.Notifying}: more than {ceiling}/s were in flight");
        // No upper bound on the time: a busy machine only makes the run slower, and a timing figure belongs in the
        // cluster benchmark (scripts/bench.sh cluster), not in an assertion.
        // No timeouts and no retries: every follower was called exactly once and taken exactly once.
        Assert.Equal(followers, calls);
        Assert.Equal(followers, await broadcast.SumOfAttemptsAsync());
        await broadcast.App.AssertEachGotExactlyOneAsync(broadcast.WeChatTemplateId, followers);
    }

    [Theory]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task A_duplicate_fire_of_the_reminder_trigger_on_the_cluster_sends_nothing_twice(DatabaseProvider provider)
    {
        var nodes = await cluster.NodesAsync(provider);
        var broadcast = await nodes.NewBroadcastAsync(3_000, ratePerSecond: 2_000);
        var (quartz, services) = await TwoNodeCluster.QuartzClientAsync(nodes);
        await using var _ = services;

        await broadcast.StartAsync();
        // The same fire twice more, as a misbehaving or recovering scheduler would: the nodes pick them up.
        var data = new JobDataMap
        {
            [ReminderSchedule.ChannelIdKey] = broadcast.ChannelId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [ReminderSchedule.OccurrenceKey] = "1",
        };
        await quartz.TriggerJob(ChannelReminderJob.Key, data);
        await quartz.TriggerJob(ChannelReminderJob.Key, data);
        var end = await broadcast.WaitEndAsync();
        await BroadcastTests.WaitUntilAsync(() => Task.FromResult(FiresOf(nodes, broadcast.ChannelId, "nothing to do") >= 2), 30);

        log.WriteLine($"{end}; fires {FiresOf(nodes, broadcast.ChannelId, "fired; broadcasting")} + {FiresOf(nodes, broadcast.ChannelId, "nothing to do")} duplicates");
        Assert.Equal(1, FiresOf(nodes, broadcast.ChannelId, "fired; broadcasting"));
        Assert.Equal(2, FiresOf(nodes, broadcast.ChannelId, "nothing to do"));
        Assert.Equal(("Notified", 3_000, 0), (end.Status, end.Sent, end.Failed));
        await broadcast.App.AssertEachGotExactlyOneAsync(broadcast.WeChatTemplateId, 3_000);
    }

    [Theory]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task A_token_superseded_by_another_client_mid_run_is_recovered_with_one_refresh(DatabaseProvider provider)
    {
        var nodes = await cluster.NodesAsync(provider);
        var broadcast = await nodes.NewBroadcastAsync(6_000, ratePerSecond: 1_000);

        await broadcast.StartAsync();
        await broadcast.WaitSentAsync(1_500);
        var fetchesBefore = await broadcast.CounterAsync("stable_token", "calls");
        // Another client forces a new stable token: the one the nodes hold stops working at once (40001).
        await broadcast.App.StableTokenAsync(force: true);
        var end = await broadcast.WaitEndAsync();

        var fetchesAfter = await broadcast.CounterAsync("stable_token", "calls");
        var refused = await broadcast.App.ErrorCountAsync("template_send", 40001);
        log.WriteLine($"{end}; stable_token calls {fetchesBefore} → {fetchesAfter}; 40001 answers {refused}");
        Assert.Equal(1, fetchesBefore);
        Assert.True(refused > 0, "the superseded token was never refused: the test did not supersede it mid-run");
        // Ours, then one refresh for the whole cluster.
        Assert.Equal(fetchesBefore + 2, fetchesAfter);
        Assert.Equal(("Notified", 6_000, 0), (end.Status, end.Sent, end.Failed));
        await broadcast.App.AssertEachGotExactlyOneAsync(broadcast.WeChatTemplateId, 6_000);
    }

    private static int FiresOf(ClusterNodes nodes, int channelId, string text) => nodes.Nodes
        .Sum(n => n.LinesWith($"Reminder of channel {channelId} occurrence 1 ").Count(l => l.Contains(text, StringComparison.Ordinal)));
}
