using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using PushConsole.Ledger;
using PushConsole.Persistence;

namespace PushConsole.Messages;

/// <summary>
/// Sends messages whose sender stopped: accepted on a node that died or stopped before the answer was written, or held by
/// WeChat's limits until later. Any node may pick them up: the ledger lets one sender take the row, and a row left in
/// Sending is sent again with the same credential after the engine's abandon time.
/// </summary>
internal sealed class MessageRecovery(
    IDbContextFactory<PushConsoleDbContext> contexts,
    TransactionalMessages messages,
    IOptions<MessageOptions> options,
    TimeProvider time,
    ILogger<MessageRecovery> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RecoveryInterval, time);
        try
        {
            do
            {
                try
                {
                    await RecoverAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Looking for unsent transactional messages failed");
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Starts every stalled message not already under way on this node; returns how many.</summary>
    internal async Task<int> RecoverAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var before = now - options.Value.RecoverAfter;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var stalled = await (from m in db.Set<TransactionalMessage>().AsNoTracking()
                             where m.CreatedAt < before
                             from r in db.DeliveryRuns.Where(r => r.Id == m.RunId).DefaultIfEmpty()
                             where m.RunId == null || r.Status == RunStatus.Pending || r.Status == RunStatus.Running
                                 || (r.Status == RunStatus.Held && r.HeldUntil <= now)
                             orderby m.Id
                             select m.Id).Take(500).ToListAsync(cancellationToken);
        var started = 0;
        foreach (var id in stalled.Where(id => !messages.IsSending(id)))
        {
            messages.Start(id);
            started++;
        }
        if (started > 0)
        {
            logger.LogInformation("Sending {Count} transactional message(s) whose sender stopped", started);
        }
        // Finished while the account had a webhook, but the node stopped before recording the callback.
        var since = now - options.Value.CallbackWindow;
        var uncalled = await (from m in db.Set<TransactionalMessage>().AsNoTracking()
                              where m.CreatedAt < before && m.CreatedAt > since
                              join w in db.Set<MessageWebhook>() on m.AccountId equals w.AccountId
                              join r in db.DeliveryRuns on m.RunId equals r.Id
                              where (r.Status == RunStatus.Completed || r.Status == RunStatus.Failed || r.Status == RunStatus.Canceled)
                                  && !db.Set<MessageCallback>().Any(c => c.MessageId == m.Id)
                              orderby m.Id
                              select m.Id).Take(500).ToListAsync(cancellationToken);
        foreach (var id in uncalled.Where(id => !messages.IsSending(id)))
        {
            await messages.FinishedAsync(id);
        }
        return started;
    }
}
