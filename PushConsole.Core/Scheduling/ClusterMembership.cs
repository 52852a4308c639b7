using Microsoft.Extensions.Hosting;
using System.Data.Common;
using Microsoft.Data.SqlClient;
using Npgsql;
using PushConsole.Persistence;
using PushConsole.WeChat;

namespace PushConsole.Scheduling;

/// <summary>
/// Counts the live nodes of the cluster from Quartz.NET's own check-in table (<c>qrtz_scheduler_state</c>: every node
/// checks in each <see cref="SchedulerOptions.ClusterCheckinInterval"/>) and hands the count to
/// <see cref="SendRateShare"/>, so each node sends at its share of every account's rate. A node that stops checking
/// in stops counting after a few intervals, and the others' shares grow again.
/// </summary>
internal sealed class ClusterMembership(
    DatabaseOptions database,
    SchedulerOptions options,
    SendRateShare share,
    TimeProvider time,
    ILogger<ClusterMembership> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var node = ClusterNode.NameOf(options);
        var interval = options.ClusterCheckinInterval > TimeSpan.Zero ? options.ClusterCheckinInterval : TimeSpan.FromSeconds(5);
        var last = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var live = await CountLiveAsync(interval, stoppingToken);
                if (live > 0)
                {
                    share.Nodes = live;
                    if (live != last)
                    {
                        logger.LogInformation("Node {Node}: {Live} live node(s) in the cluster; this node sends at 1/{Live} of each account's rate", node, live, live);
                        last = live;
                    }
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Keep the last known share: the database may be restarting.
                logger.LogDebug(e, "Counting the cluster's live nodes failed; keeping {Nodes}", share.Nodes);
            }
            await Task.Delay(interval, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task<int> CountLiveAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        // Quartz.NET stores LAST_CHECKIN_TIME as UTC ticks. A node is live while it checked in within three intervals
        // (Quartz itself declares a node failed after the check-in misfire threshold, four intervals here).
        var cutoff = (time.GetUtcNow() - interval * 3).UtcTicks;
        await using DbConnection connection = database.Provider == DatabaseProvider.SqlServer
            ? new SqlConnection(database.ConnectionString)
            : new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = database.Provider == DatabaseProvider.SqlServer ? SqlServerLiveNodesSql : LiveNodesSql;
        var name = command.CreateParameter();
        name.ParameterName = "@name";
        name.Value = SchedulerServiceCollectionExtensions.SchedulerName;
        command.Parameters.Add(name);
        var since = command.CreateParameter();
        since.ParameterName = "@cutoff";
        since.Value = cutoff;
        command.Parameters.Add(since);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    private const string LiveNodesSql = "SELECT count(*) FROM qrtz_scheduler_state WHERE sched_name = @name AND last_checkin_time > @cutoff";

    // Quartz.NET's SQL Server script creates its tables in upper case; a case-sensitive collation would not find them otherwise.
    private const string SqlServerLiveNodesSql = "SELECT COUNT(*) FROM QRTZ_SCHEDULER_STATE WHERE SCHED_NAME = @name AND LAST_CHECKIN_TIME > @cutoff";

    [TransactSql]
    private static IEnumerable<string> SqlServerStatements => [SqlServerLiveNodesSql];
}
