using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using PushConsole.Ledger;
using PushConsole.Persistence;

namespace PushConsole.Sending;

/// <summary>
/// At start-up, starts runs that were executing when the console stopped (a graceful stop ends the Quartz job, so
/// nothing else would). Quartz's own recovery covers a crash; the start trigger is idempotent, so both are harmless.
/// Held runs keep their wake-up trigger in Quartz's store. A single node that just started is sending nothing, so
/// rows left in Sending are the dead process's: they go out again at once (same credential and client_msg_id) rather
/// than after <see cref="SendingOptions.AbandonedAfter"/>; in a cluster they may be a live node's, so they wait.
/// </summary>
internal sealed class RunRecovery(IDbContextFactory<PushConsoleDbContext> contexts, DeliveryLedger ledger, RunScheduler scheduler,
    IOptions<Scheduling.SchedulerOptions> schedulerOptions, ILogger<RunRecovery> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var runs = await db.DeliveryRuns.AsNoTracking()
            .Where(r => r.Status == RunStatus.Pending || r.Status == RunStatus.Running)
            .Select(r => r.Id).ToListAsync(cancellationToken);
        foreach (var runId in runs)
        {
            if (!schedulerOptions.Value.Clustered
                && await ledger.RequeueAbandonedAsync(runId, TimeSpan.Zero, cancellationToken) is > 0 and var requeued)
            {
                logger.LogInformation("Run {RunId}: {Count} rows left in sending by the previous process go out again", runId, requeued);
            }
            await scheduler.StartRunAsync(runId, cancellationToken: cancellationToken);
        }
        if (runs.Count > 0)
        {
            logger.LogInformation("Resuming {Count} run(s) left unfinished: {Runs}", runs.Count, string.Join(", ", runs));
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
