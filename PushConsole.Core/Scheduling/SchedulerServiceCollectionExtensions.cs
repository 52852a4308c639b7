using Microsoft.Extensions.DependencyInjection.Extensions;
using PushConsole.Persistence;
using Quartz;

namespace PushConsole.Scheduling;

public static class SchedulerServiceCollectionExtensions
{
    public const string SchedulerName = "PushConsole";

    /// <summary>
    /// Hosts Quartz.NET with its tables in the console's database, so schedules survive restarts and,
    /// on PostgreSQL or SQL Server, several nodes share them (each fire runs on one node).
    /// </summary>
    public static IServiceCollection AddPushScheduler(this IServiceCollection services, IConfiguration configuration, DatabaseOptions database)
    {
        var options = configuration.GetSection(SchedulerOptions.Section).Get<SchedulerOptions>() ?? new SchedulerOptions();
        services.AddSingleton(Options.Create(options));
        var properties = new System.Collections.Specialized.NameValueCollection
        {
            ["quartz.scheduler.instanceName"] = SchedulerName,
            ["quartz.scheduler.instanceId"] = options.InstanceId,
            ["quartz.jobStore.misfireThreshold"] = ((long)options.MisfireThreshold.TotalMilliseconds).ToString(),
            ["quartz.scheduler.idleWaitTime"] = ((long)options.IdleWaitTime.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        services.AddQuartz(properties, q =>
        {
            q.UseDefaultThreadPool(tp => tp.MaxConcurrency = options.MaxConcurrency);
            q.UsePersistentStore(store =>
            {
                store.UseSystemTextJsonSerializer();
                store.ProvisionSchema();
                switch (database.Provider)
                {
                    case DatabaseProvider.Sqlite:
                        store.UseSqlite(database.ConnectionString);
                        break;
                    case DatabaseProvider.Postgres:
                        store.UsePostgres(database.ConnectionString);
                        break;
                    case DatabaseProvider.SqlServer:
                        store.UseSqlServer(database.ConnectionString);
                        break;
                    default:
                        throw new InvalidOperationException($"Database:Provider '{database.Provider}' has no Quartz.NET job store.");
                }
                if (options.Clustered)
                {
                    store.UseClustering(c =>
                    {
                        c.CheckinInterval = options.ClusterCheckinInterval;
                        c.CheckinMisfireThreshold = options.ClusterCheckinInterval * 4;
                    });
                }
            });
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        services.TryAddSingleton<PushConsole.WeChat.SendRateShare>();
        if (options.Clustered && database.Provider != DatabaseProvider.Sqlite)
        {
            services.AddHostedService(sp => new ClusterMembership(database, options,
                sp.GetRequiredService<PushConsole.WeChat.SendRateShare>(), sp.GetService<TimeProvider>() ?? TimeProvider.System,
                sp.GetRequiredService<ILogger<ClusterMembership>>()));
        }
        return services;
    }
}
