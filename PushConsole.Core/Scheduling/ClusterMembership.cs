using Microsoft.Extensions.Hosting;
using Npgsql;
using PushConsole.WeChat;

namespace PushConsole.Scheduling;

/// <summary>
/// Counts the live nodes of the cluster from Quartz.NET's own check-in table (<c>qrtz_scheduler_state</c>: every node
/// checks in each <see cref="SchedulerOptions.ClusterCheckinInterval"/>) and hands the count to
/// <see cref="SendRateShare"/>, so each node sends at its share of every account's rate. A node that stops checking
/// in stops counting after a few intervals, and the others' shares grow again.
/// </summary>
internal sealed class ClusterMembership(
    string connectionString,
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
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM qrtz_scheduler_state WHERE sched_name = @name AND last_checkin_time > @cutoff", connection);
        command.Parameters.AddWithValue("name", SchedulerServiceCollectionExtensions.SchedulerName);
        command.Parameters.AddWithValue("cutoff", cutoff);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }
}
