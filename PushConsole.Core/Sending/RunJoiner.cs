using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using PushConsole.Ledger;
using PushConsole.Persistence;
using PushConsole.Scheduling;

namespace PushConsole.Sending;

/// <summary>
/// Spreads a run's batches over the nodes of a cluster (campaign runs and channel reminders alike). A run's Quartz job executes it on one node; every
/// other node looks for runs under way (running, audience resolved, rows still pending) and executes them too. That is
/// safe because the executor only sends rows it moved Pending → Sending itself (SKIP LOCKED on PostgreSQL), claims
/// credentials atomically, and changes the run's status only from the expected one. Each node sends at its share of
/// the account's rate (<see cref="PushConsole.WeChat.SendRateShare"/>). Single nodes do nothing here.
/// </summary>
public sealed class RunJoiner(
    IDbContextFactory<PushConsoleDbContext> contexts,
    RunExecutor executor,
    RunGate gate,
    RunScheduler scheduler,
    IOptions<SendingOptions> options,
    IOptions<SchedulerOptions> schedulerOptions,
    ILogger<RunJoiner> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<long, Task> helping = new();
    private readonly string node = ClusterNode.NameOf(schedulerOptions.Value);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!schedulerOptions.Value.Clustered || !options.Value.HelpRunsOfOtherNodes)
        {
            return;
        }
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var runId in await RunsToHelpAsync(stoppingToken))
                {
                    if (helping.TryAdd(runId, Task.CompletedTask))
                    {
                        helping[runId] = Task.Run(async () =>
                        {
                            try
                            {
                                await HelpAsync(runId, stoppingToken);
                            }
                            finally
                            {
                                helping.TryRemove(runId, out _);
                            }
                        }, CancellationToken.None);
                    }
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogDebug(e, "Looking for runs to help with failed; trying again shortly");
            }
            await Task.Delay(options.Value.HelperPollInterval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        await Task.WhenAll(helping.Values).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>
    /// Runs under way with rows still pending that this node is not executing already. A campaign's audience is
    /// resolved by the run's own job first; the followers of a reminder are read page by page by whichever node holds
    /// the page lock, so those runs are joined while their audience is still coming in.
    /// </summary>
    internal async Task<IReadOnlyList<long>> RunsToHelpAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var runs = await db.DeliveryRuns.AsNoTracking()
            .Where(r => r.Status == RunStatus.Running
                        && ((r.Kind == RunKind.Broadcast && !r.AudienceComplete)
                            || (r.AudienceComplete && db.Deliveries.Any(d => d.RunId == r.Id && d.Status == DeliveryStatus.Pending))))
            .Select(r => r.Id).ToListAsync(cancellationToken);
        return runs.Where(id => !gate.IsBusy(id) && !helping.ContainsKey(id)).ToList();
    }

    /// <summary>Executes the run alongside the node its job runs on (the executor logs what this node sent).</summary>
    internal async Task<RunExecution> HelpAsync(long runId, CancellationToken cancellationToken)
    {
        try
        {
            var result = await executor.ExecuteAsync(runId, cancellationToken);
            if (result is { Status: RunStatus.Held, WakeAt: { } wakeAt })
            {
                // As the run's own job would: the hold ends with a wake-up trigger (idempotent if the job set one too).
                await scheduler.StartRunAsync(runId, wakeAt, CancellationToken.None);
            }
            return result;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return RunExecution.Nothing(RunStatus.Running);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Node {Node} stopped helping with run {RunId}; its job carries on", node, runId);
            return RunExecution.Nothing(RunStatus.Running, e.Message);
        }
    }
}
