using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using PushConsole.Ledger;
using PushConsole.Persistence;
using PushConsole.Scheduling;

namespace PushConsole.Channels.Broadcasts;

/// <summary>
/// Runs the broadcasts of notifying channels on this node: the ones a reminder just started (it wakes the worker) and,
/// after a restart or a crash, the ones that were under way (found by polling). The database says what is to be done,
/// so a kill -9 loses nothing: the broadcast resumes from its checkpoint.
/// </summary>
public sealed class BroadcastWorker(
    IDbContextFactory<PushConsoleDbContext> contexts,
    DeliveryLedger ledger,
    BroadcastRunner runner,
    ReminderReconciler reconciler,
    BroadcastSignal signal,
    IOptions<ChannelOptions> options,
    IOptions<SchedulerOptions> scheduler,
    ILogger<BroadcastWorker> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<int, Task> active = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Start-up work must not hold up the host: yield first.
        await Task.Yield();
        await StartUpAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await StartNotifyingAsync(stoppingToken);
                await signal.WaitAsync(options.Value.WorkerPollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogError(e, "The broadcast worker could not look for work; trying again shortly");
                await Task.Delay(options.Value.WorkerPollInterval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        await Task.WhenAll(active.Values).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task StartUpAsync(CancellationToken stoppingToken)
    {
        try
        {
            await reconciler.ReconcileAsync(stoppingToken);
            if (!scheduler.Value.Clustered)
            {
                // The only node just started, so nothing is being sent: rows left in Sending are the dead process's.
                await RequeueAllAsync(stoppingToken);
            }
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogError(e, "Reconciling reminders at start-up failed; broadcasts still resume");
        }
    }

    private async Task RequeueAllAsync(CancellationToken stoppingToken)
    {
        await using var db = await contexts.CreateDbContextAsync(stoppingToken);
        var runs = await db.DeliveryRuns.AsNoTracking()
            .Where(r => r.Kind == RunKind.Broadcast && r.Status == RunStatus.Running).Select(r => r.Id).ToListAsync(stoppingToken);
        foreach (var runId in runs)
        {
            var requeued = await ledger.RequeueAbandonedAsync(runId, TimeSpan.Zero, stoppingToken);
            if (requeued > 0)
            {
                logger.LogInformation("Broadcast run {RunId}: {Count} rows left in sending by the previous process go out again", runId, requeued);
            }
        }
    }

    private async Task StartNotifyingAsync(CancellationToken stoppingToken)
    {
        await using var db = await contexts.CreateDbContextAsync(stoppingToken);
        var notifying = await db.Channels.AsNoTracking().Where(c => c.ReminderStatus == ReminderStatus.Notifying)
            .Select(c => c.Id).ToListAsync(stoppingToken);
        foreach (var channelId in notifying)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (active.TryAdd(channelId, done.Task))
            {
                _ = Task.Run(() => RunOneAsync(channelId, done, stoppingToken), CancellationToken.None);
            }
        }
    }

    private async Task RunOneAsync(int channelId, TaskCompletionSource done, CancellationToken stoppingToken)
    {
        try
        {
            await runner.RunAsync(channelId, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown: the broadcast resumes from its checkpoint on the next start.
        }
        catch (Exception e)
        {
            // Left notifying: the next poll tries again from the checkpoint.
            logger.LogError(e, "The reminder broadcast of channel {ChannelId} stopped on an error; it resumes shortly", channelId);
        }
        finally
        {
            active.TryRemove(channelId, out _);
            done.SetResult();
        }
    }
}
