using PushConsole.Persistence;
using PushConsole.Tests.Channels;
using PushConsole.Tests.Infrastructure;
using PushConsole.Tests.Simulator;
using Xunit.Abstractions;

namespace PushConsole.Tests.Cluster;

/// <summary>A node of a two-node cluster killed with SIGKILL while both are sending one broadcast.</summary>
public class ClusterKillTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task A_node_killed_with_sigkill_mid_broadcast_leaves_no_duplicate_and_no_lost_follower(DatabaseProvider provider)
    {
        const int followers = 10_000;
        await using var sim = new SimulatorServer();
        await sim.InitializeAsync();
        await using var cluster = await ClusterNodes.StartAsync(sim, 2, await TestDatabases.NewMigratedAsync(provider));
        var (victim, survivor) = (cluster.Nodes[0], cluster.Nodes[1]);
        // 2,000/s for the account (1,000/s per node while both live): the kill lands in the middle.
        var broadcast = await cluster.NewBroadcastAsync(followers, ratePerSecond: 2_000);

        await broadcast.StartAsync(survivor);
        await BroadcastTests.WaitUntilAsync(async () =>
            victim.LinesWith($"joins the reminder broadcast of channel {broadcast.ChannelId} ").Count > 0
            && (await broadcast.StateAsync(survivor)).Sent >= 2_500, 60);
        var atKill = await broadcast.StateAsync(survivor);
        victim.KillHard();
        log.WriteLine($"killed node1 at {atKill}");
        var end = await broadcast.WaitEndAsync(survivor, 120);

        log.WriteLine($"{end}");
        Assert.InRange(atKill.Sent, 2_500, followers - 1_000);
        Assert.Equal(("Notified", followers, 0), (end.Status, end.Sent, end.Failed));
        await broadcast.App.AssertEachGotExactlyOneAsync(broadcast.WeChatTemplateId, followers);
    }
}
