using PushConsole.Tests.Infrastructure;
using Npgsql;
using PushConsole.Tests.Channels;
using PushConsole.Tests.Simulator;
using Xunit.Abstractions;

namespace PushConsole.Tests.Cluster;

/// <summary>The cluster's PostgreSQL server restarted in the middle of a broadcast (on a server of the test's own).</summary>
public class ClusterDatabaseRestartTests(ITestOutputHelper log)
{
    [Fact]
    public async Task A_broadcast_under_way_when_PostgreSQL_restarts_recovers_and_finishes_and_the_scheduler_keeps_firing()
    {
        const int followers = 6_000;
        await using var postgres = await PrivatePostgres.StartAsync();
        await using var sim = new SimulatorServer();
        await sim.InitializeAsync();
        await using var cluster = await ClusterNodes.StartAsync(sim, 2, await postgres.NewDatabaseAsync());
        var broadcast = await cluster.NewBroadcastAsync(followers, ratePerSecond: 1_000);

        await broadcast.StartAsync();
        await broadcast.WaitSentAsync(1_500);
        await postgres.RestartAsync();
        // The test's own pooled connections died with the server too.
        NpgsqlConnection.ClearAllPools();
        log.WriteLine($"restarted PostgreSQL at {await broadcast.StateAsync()}");
        var end = await broadcast.WaitEndAsync(seconds: 120);

        log.WriteLine($"{end}");
        Assert.Equal(("Notified", followers, 0), (end.Status, end.Sent, end.Failed));
        await broadcast.App.AssertEachGotExactlyOneAsync(broadcast.WeChatTemplateId, followers);

        // Quartz.NET came back too: a reminder scheduled after the restart fires and its broadcast finishes.
        var after = await cluster.NewBroadcastAsync(500);
        await after.StartAsync();
        var afterEnd = await after.WaitEndAsync(seconds: 60);
        Assert.Equal(("Notified", 500, 0), (afterEnd.Status, afterEnd.Sent, afterEnd.Failed));
        await after.App.AssertEachGotExactlyOneAsync(after.WeChatTemplateId, 500);
    }
}
