using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using PushConsole.Ledger;
using PushConsole.Persistence;

namespace PushConsole.Campaigns;

/// <summary>
/// At start-up, starts runs that were executing when the console stopped (a graceful stop ends the Quartz job, so
/// nothing else would). Quartz's own recovery covers a crash; the start trigger is idempotent, so both are harmless.
/// Held runs keep their wake-up trigger in Quartz's store.
/// </summary>
internal sealed class RunRecovery(IDbContextFactory<PushConsoleDbContext> contexts, CampaignScheduler scheduler, ILogger<RunRecovery> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var runs = await db.DeliveryRuns.AsNoTracking()
            .Where(r => r.Kind == RunKind.Campaign && (r.Status == RunStatus.Pending || r.Status == RunStatus.Running))
            .Select(r => r.Id).ToListAsync(cancellationToken);
        foreach (var runId in runs)
        {
            await scheduler.StartRunAsync(runId, cancellationToken: cancellationToken);
        }
        if (runs.Count > 0)
        {
            logger.LogInformation("Resuming {Count} campaign run(s) left unfinished: {Runs}", runs.Count, string.Join(", ", runs));
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
