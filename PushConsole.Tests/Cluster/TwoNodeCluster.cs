using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using PushConsole.Tests.Simulator;
using Quartz;

namespace PushConsole.Tests.Cluster;

/// <summary>
/// Two console processes on one database and one simulator, shared by the tests of a class: one cluster per database
/// provider, started when a test first asks for it (so a provider whose server is not here never starts one).
/// </summary>
public sealed class TwoNodeCluster : IAsyncLifetime
{
    private readonly Dictionary<DatabaseProvider, Task<ClusterNodes>> clusters = [];
    private readonly Lock gate = new();

    public SimulatorServer Sim { get; } = new();

    public Task InitializeAsync() => Sim.InitializeAsync();

    /// <summary>The cluster on a database of <paramref name="provider"/>, started on first use.</summary>
    public Task<ClusterNodes> NodesAsync(DatabaseProvider provider)
    {
        lock (gate)
        {
            if (!clusters.TryGetValue(provider, out var nodes))
            {
                nodes = StartAsync(provider);
                clusters[provider] = nodes;
            }
            return nodes;
        }
    }

    private async Task<ClusterNodes> StartAsync(DatabaseProvider provider) =>
        // Triggers saved by another process (the duplicate-fire test) are seen within a second.
        await ClusterNodes.StartAsync(Sim, 2, await TestDatabases.NewMigratedAsync(provider),
            new Dictionary<string, string> { ["Scheduler__IdleWaitTime"] = "00:00:01" });

    public async Task DisposeAsync()
    {
        foreach (var nodes in clusters.Values)
        {
            if (nodes.IsCompletedSuccessfully)
            {
                await nodes.Result.DisposeAsync();
            }
        }
        await Sim.DisposeAsync();
    }

    /// <summary>
    /// A Quartz.NET client on the cluster's job store, never started (it runs no job): what it schedules, the nodes fire.
    /// </summary>
    public static async Task<(IScheduler Scheduler, ServiceProvider Services)> QuartzClientAsync(ClusterNodes nodes)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddQuartz(new System.Collections.Specialized.NameValueCollection
        {
            ["quartz.scheduler.instanceName"] = PushConsole.Scheduling.SchedulerServiceCollectionExtensions.SchedulerName,
            ["quartz.scheduler.instanceId"] = "test-client",
        }, q => q.UsePersistentStore(store =>
        {
            store.UseSystemTextJsonSerializer();
            if (nodes.Database.Provider == DatabaseProvider.SqlServer)
            {
                store.UseSqlServer(nodes.Database.ConnectionString);
            }
            else
            {
                store.UsePostgres(nodes.Database.ConnectionString);
            }
            store.UseClustering();
        }));
        var provider = services.BuildServiceProvider();
        var scheduler = await provider.GetRequiredService<ISchedulerFactory>().GetScheduler();
        return (scheduler, provider);
    }
}
