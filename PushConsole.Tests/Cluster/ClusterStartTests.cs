using Microsoft.EntityFrameworkCore;
using PushConsole.Tests.Channels;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.Cluster;

/// <summary>Nodes of a new cluster started at the same moment on an empty database (what scripts/cluster.sh did first).</summary>
public class ClusterStartTests
{
    [Fact]
    public async Task Two_nodes_started_together_on_an_empty_database_both_come_up_and_make_one_admin()
    {
        var database = await TestDatabases.NewPostgresAsync();
        var settings = new Dictionary<string, string> { ["Scheduler__Clustered"] = "true", ["Scheduler__ClusterCheckinInterval"] = "00:00:01" };

        var nodes = await Task.WhenAll(
            ConsoleProcess.StartAsync(database, ConsoleProcess.FreePort(), new Dictionary<string, string>(settings) { ["Scheduler__InstanceId"] = "node1" }),
            ConsoleProcess.StartAsync(database, ConsoleProcess.FreePort(), new Dictionary<string, string>(settings) { ["Scheduler__InstanceId"] = "node2" }));
        try
        {
            foreach (var node in nodes)
            {
                using var api = node.CreateHttpClient();
                using var me = await api.GetAsync("api/v1/me");
                Assert.True(me.IsSuccessStatusCode, $"{me.StatusCode} on {node.BaseAddress}:\n{node.Output}");
                using var ready = await api.GetAsync("readyz");
                Assert.True(ready.IsSuccessStatusCode, await ready.Content.ReadAsStringAsync());
            }
            await using var db = TestDbContextFactory.For(database).CreateDbContext();
            Assert.Equal(1, await db.Users.CountAsync());
            Assert.Equal(1, await db.ApiTokens.CountAsync());
        }
        finally
        {
            foreach (var node in nodes)
            {
                node.Dispose();
            }
        }
    }
}
