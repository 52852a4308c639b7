using PushConsole.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using PushConsole.Tests.Simulator;
using Quartz;

namespace PushConsole.Tests.Cluster;

/// <summary>Two console processes on one PostgreSQL database and one simulator, shared by the tests of a class.</summary>
public sealed class TwoNodeCluster : IAsyncLifetime
{
    public SimulatorServer Sim { get; } = new();
    public ClusterNodes Nodes { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Sim.InitializeAsync();
        // Triggers saved by another process (the duplicate-fire test) are seen within a second.
        Nodes = await ClusterNodes.StartAsync(Sim, 2, extra: new Dictionary<string, string> { ["Scheduler__IdleWaitTime"] = "00:00:01" });
    }

    public async Task DisposeAsync()
    {
        await Nodes.DisposeAsync();
        await Sim.DisposeAsync();
    }

    /// <summary>
    /// A Quartz.NET client on the cluster's job store, never started (it runs no job): what it schedules, the nodes fire.
    /// </summary>
    public async Task<(IScheduler Scheduler, ServiceProvider Services)> QuartzClientAsync()
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
            store.UsePostgres(Nodes.Database.ConnectionString);
            store.UseClustering();
        }));
        var provider = services.BuildServiceProvider();
        var scheduler = await provider.GetRequiredService<ISchedulerFactory>().GetScheduler();
        return (scheduler, provider);
    }
}
