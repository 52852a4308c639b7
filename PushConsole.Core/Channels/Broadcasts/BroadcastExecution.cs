using Microsoft.EntityFrameworkCore;
using PushConsole.Ledger;
using PushConsole.Campaigns;
using PushConsole.Persistence;
using PushConsole.Sending;
using PushConsole.WeChat;

namespace PushConsole.Channels.Broadcasts;

internal readonly record struct ExecutionEnd(BroadcastEnd Kind, string? Reason = null, DateTimeOffset? Until = null);

/// <summary>
/// One node's work on one broadcast run. A page of followers is the unit of work: user/get's page goes into the
/// ledger (insert-or-ignore), the cursor is checkpointed, and lanes take rows Pending → Sending in batches, send them
/// with bounded concurrency and record the outcomes set-based. The next page is fetched while the current one is
/// sent, so at most two pages are in memory whatever the audience. Nothing here is per message in the database.
/// </summary>
internal sealed class BroadcastExecution(
    IDbContextFactory<PushConsoleDbContext> contexts,
    DeliveryLedger ledger,
    WriteGate writes,
    RunStore runs,
    AccountPauses pauses,
    AccountCalendar calendar,
    IBroadcastGateway gateway,
    ChannelOptions options,
    TimeProvider time,
    ILogger logger,
    Channel channel,
    DeliveryRun run,
    DateOnly localDay)
{
    private readonly CancellationTokenSource stop = new();
    private volatile string? stopReason;
    private volatile string? failure;
    private volatile bool finishedElsewhere;
    private long holdUntilTicks;
    private int sentHere, failedHere, retriedHere, pagesHere;

    /// <summary>What this node's execution did (for its log line).</summary>
    public int SentHere => Volatile.Read(ref sentHere);
    public int FailedHere => Volatile.Read(ref failedHere);
    public int RetriedHere => Volatile.Read(ref retriedHere);
    public int PagesHere => Volatile.Read(ref pagesHere);

    private sealed record Audience(string? Cursor, bool Complete);

    public async Task<ExecutionEnd> RunAsync(CancellationToken cancellationToken)
    {
        using var monitorStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var monitor = MonitorAsync(monitorStop.Token);
        try
        {
            return await LoopAsync(cancellationToken);
        }
        finally
        {
            await monitorStop.CancelAsync();
            try
            {
                await monitor;
            }
            catch (OperationCanceledException)
            {
                // The monitor ends by cancellation.
            }
            stop.Dispose();
        }
    }

    private async Task<ExecutionEnd> LoopAsync(CancellationToken cancellationToken)
    {
        var audience = new Audience(run.Cursor, run.AudienceComplete);
        while (true)
        {
            // Fetch and record the next page while the rows already in the ledger are sent.
            var next = audience.Complete ? null : CollectPageAsync(audience, cancellationToken);
            try
            {
                await DrainAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await Quietly(next);
                return new(BroadcastEnd.Interrupted);
            }
            if (next is not null)
            {
                var (collected, error) = await Quietly(next);
                if (cancellationToken.IsCancellationRequested)
                {
                    return new(BroadcastEnd.Interrupted);
                }
                if (error is not null && failure is null && stopReason is null)
                {
                    failure = error;
                }
                audience = collected ?? audience;
            }
            if (finishedElsewhere)
            {
                return new(BroadcastEnd.Completed);
            }
            if (stopReason is { } reason)
            {
                return new(BroadcastEnd.Canceled, reason);
            }
            if (failure is { } failed)
            {
                return new(BroadcastEnd.Failed, failed);
            }
            if (Interlocked.Read(ref holdUntilTicks) is > 0 and var ticks)
            {
                var until = new DateTimeOffset(ticks, TimeSpan.Zero);
                return new(BroadcastEnd.Held, $"WeChat's daily quota is used up (45009); held until {calendar.Describe(until)}.", until);
            }
            if (!audience.Complete)
            {
                continue;
            }
            var counts = await ledger.CountAsync(run.Id, cancellationToken);
            if (counts.Pending == 0 && counts.Sending == 0)
            {
                return new(BroadcastEnd.Completed);
            }
            if (counts.Pending == 0)
            {
                // Rows another taker holds: a live node finishes them; a dead one's are requeued once abandoned.
                await Task.Delay(options.StatusPollInterval, time, cancellationToken);
                await ledger.RequeueAbandonedAsync(run.Id, options.AbandonedAfter, cancellationToken);
            }
        }
    }

    /// <summary>Fetches the page after the checkpoint, adds its followers to the ledger, then moves the checkpoint.</summary>
    private async Task<(Audience? Audience, string? Error)> CollectPageAsync(Audience from, CancellationToken cancellationToken)
    {
        // In a cluster one node at a time reads the next page (user/get has a daily quota); the others send and then
        // continue from the checkpoint that node records.
        await using var pageLock = await runs.TryLockAudienceAsync(contexts, run.Id, cancellationToken);
        if (pageLock is null)
        {
            await Task.Delay(options.StatusPollInterval, time, cancellationToken);
            await using var current = await contexts.CreateDbContextAsync(cancellationToken);
            var checkpoint = await current.DeliveryRuns.AsNoTracking().Where(r => r.Id == run.Id)
                .Select(r => new { r.Cursor, r.AudienceComplete }).SingleAsync(cancellationToken);
            return (new Audience(checkpoint.Cursor, checkpoint.AudienceComplete), null);
        }
        if (pageLock.Shared)
        {
            // Another node may have recorded pages while this one waited for the lock: start from the checkpoint.
            await using var current = await contexts.CreateDbContextAsync(cancellationToken);
            var checkpoint = await current.DeliveryRuns.AsNoTracking().Where(r => r.Id == run.Id)
                .Select(r => new { r.Cursor, r.AudienceComplete }).SingleAsync(cancellationToken);
            if (checkpoint.AudienceComplete || checkpoint.Cursor != from.Cursor)
            {
                return (new Audience(checkpoint.Cursor, checkpoint.AudienceComplete), null);
            }
        }
        WeChatResult<FollowerPage>? result = null;
        for (var attempt = 1; attempt <= options.MaxPageAttempts; attempt++)
        {
            result = await gateway.GetFollowersAsync(from.Cursor, cancellationToken);
            // A page read follows the same policy as a send: retried when a later attempt may succeed, else the run stops.
            if (result.Succeeded || WeChatErrorPolicy.ActionFor(result.Error) is not (ErrorAction.Retry or ErrorAction.RefreshToken or ErrorAction.PauseAccount))
            {
                break;
            }
            if (attempt < options.MaxPageAttempts)
            {
                await Task.Delay(options.RetryDelay * attempt, time, cancellationToken);
            }
        }
        if (!result!.Succeeded)
        {
            return (null, $"WeChat did not list the followers: {Describe(result.Error)}.");
        }
        var page = result.Value;
        if (page.OpenIds.Count > 0)
        {
            await ledger.AddRecipientsAsync(run, page.OpenIds, localDay, cancellationToken);
        }
        var complete = !page.HasMore;
        var cursor = complete ? from.Cursor : page.NextOpenId;
        var total = (int)Math.Min(int.MaxValue, page.Total);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var moved = await writes.WriteAsync(ct => db.DeliveryRuns
            .Where(r => r.Id == run.Id && r.Cursor == from.Cursor && !r.AudienceComplete)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Cursor, cursor)
                .SetProperty(r => r.ExpectedTotal, total)
                .SetProperty(r => r.AudienceComplete, complete)
                .SetProperty(r => r.Version, r => r.Version + 1), ct), cancellationToken);
        if (moved == 0)
        {
            // Another node recorded this page first; continue from wherever the checkpoint is now.
            var current = await db.DeliveryRuns.AsNoTracking().Where(r => r.Id == run.Id)
                .Select(r => new { r.Cursor, r.AudienceComplete }).SingleAsync(cancellationToken);
            return (new Audience(current.Cursor, current.AudienceComplete), null);
        }
        Interlocked.Increment(ref pagesHere);
        logger.LogDebug("Broadcast run {RunId}: page of {Count} followers recorded (total {Total}, complete {Complete})",
            run.Id, page.OpenIds.Count, total, complete);
        return (new Audience(cursor, complete), null);
    }

    /// <summary>Sends every pending row, in lanes, until none is left or the broadcast must stop.</summary>
    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        var lanes = Math.Max(1, options.Lanes);
        var perLane = Math.Max(1, options.SendConcurrency / lanes);
        await Task.WhenAll(Enumerable.Range(0, lanes).Select(_ => LaneAsync(perLane, cancellationToken)));
    }

    private async Task LaneAsync(int concurrency, CancellationToken cancellationToken)
    {
        while (!stop.IsCancellationRequested && failure is null && Interlocked.Read(ref holdUntilTicks) == 0)
        {
            // After a 45011 every run of the account waits out the pause, then goes on.
            await pauses.WaitAsync(channel.AccountId, cancellationToken);
            var batch = await ledger.TakePendingAsync(run.Id, options.BatchSize, cancellationToken);
            if (batch.Count == 0)
            {
                return;
            }
            var retryLater = await SendBatchAsync(batch, concurrency, cancellationToken);
            if (retryLater)
            {
                await Task.Delay(options.RetryDelay, time, cancellationToken);
            }
        }
    }

    /// <summary>Sends a batch and records every outcome in one go; true when some rows are to be tried again.</summary>
    private async Task<bool> SendBatchAsync(IReadOnlyList<TakenDelivery> batch, int concurrency, CancellationToken cancellationToken)
    {
        var updates = new DeliveryUpdate?[batch.Count];
        var next = -1;
        async Task WorkerAsync()
        {
            // Workers pull the next row with one interlocked step: no shared lock on the hot path.
            int i;
            while ((i = Interlocked.Increment(ref next)) < batch.Count)
            {
                var row = batch[i];
                var outcome = await gateway.SendAsync(row.Recipient, row.ClientMsgId, cancellationToken);
                updates[i] = Classify(row, outcome);
            }
        }
        try
        {
            var workers = new Task[Math.Min(concurrency, batch.Count)];
            for (var w = 0; w < workers.Length; w++)
            {
                workers[w] = WorkerAsync();
            }
            await Task.WhenAll(workers);
        }
        finally
        {
            // Whatever was answered is recorded, even on shutdown; unanswered rows stay Sending and are sent again
            // (same client_msg_id) when the broadcast resumes.
            var answered = updates.OfType<DeliveryUpdate>().ToList();
            await ledger.UpdateAsync(answered, CancellationToken.None);
            foreach (var update in answered)
            {
                _ = update.Status switch
                {
                    DeliveryStatus.Sent => Interlocked.Increment(ref sentHere),
                    DeliveryStatus.Failed => Interlocked.Increment(ref failedHere),
                    _ => Interlocked.Increment(ref retriedHere),
                };
            }
        }
        return updates.Any(u => u is { Status: DeliveryStatus.Pending });
    }

    /// <summary>The row's fate by the one error policy (<see cref="WeChatErrorPolicy"/>); a broadcast holds no credentials.</summary>
    private DeliveryUpdate Classify(TakenDelivery row, SendOutcome outcome)
    {
        if (outcome.Succeeded)
        {
            return new DeliveryUpdate(row.Id, DeliveryStatus.Sent, MsgId: outcome.MsgId);
        }
        var error = outcome.Error;
        var unsent = new DeliveryUpdate(row.Id, DeliveryStatus.Pending, ErrCode: error.ErrCode, ErrMsg: error.ErrMsg);
        switch (WeChatErrorPolicy.ActionFor(error))
        {
            case ErrorAction.FailRun:
                // Every other follower would get the same answer: stop the broadcast, leave this row unsent.
                failure ??= $"WeChat refused the reminder: {Describe(error)}.";
                return unsent;
            case ErrorAction.HoldAccount:
                Interlocked.CompareExchange(ref holdUntilTicks, calendar.NextMidnight(time.GetUtcNow()).UtcTicks, 0);
                return unsent;
            case ErrorAction.PauseAccount:
                pauses.Pause(channel.AccountId, options.RateLimitedPause);
                return unsent;
            case ErrorAction.Retry or ErrorAction.RefreshToken when row.Attempts < options.MaxAttempts:
                return unsent;
            default:
                return new DeliveryUpdate(row.Id, DeliveryStatus.Failed, ErrCode: error.ErrCode, ErrMsg: error.ErrMsg);
        }
    }

    private static string Describe(WeChatError error) => $"{error.ErrCode} {error.ErrMsg}".Trim();

    /// <summary>Stops the lanes when the channel is canceled or deleted, or the run canceled, while it sends.</summary>
    private async Task MonitorAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(options.StatusPollInterval, time, cancellationToken);
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var current = await db.Channels.AsNoTracking().Where(c => c.Id == channel.Id)
                .Select(c => new { c.ReminderStatus, c.ReminderReason, c.Occurrence }).SingleOrDefaultAsync(cancellationToken);
            var runState = await db.DeliveryRuns.AsNoTracking().Where(r => r.Id == run.Id)
                .Select(r => new { r.Status, r.StatusReason }).SingleAsync(cancellationToken);
            if (current is not null && current.Occurrence == channel.Occurrence
                && (current.ReminderStatus == ReminderStatus.Notified || runState.Status == RunStatus.Completed))
            {
                // Another node of the cluster saw the last row sent and finished the broadcast: nothing is left here.
                finishedElsewhere = true;
                await stop.CancelAsync();
                return;
            }
            var reason = current switch
            {
                null => "The channel was deleted during the broadcast.",
                _ when current.Occurrence != channel.Occurrence || current.ReminderStatus != ReminderStatus.Notifying =>
                    current.ReminderReason ?? "The reminder was canceled.",
                _ when runState.Status == RunStatus.Canceled => runState.StatusReason ?? "The broadcast was canceled.",
                _ => null,
            };
            if (reason is not null)
            {
                stopReason = reason;
                await stop.CancelAsync();
                return;
            }
        }
    }

    private static async Task<(Audience? Audience, string? Error)> Quietly(Task<(Audience? Audience, string? Error)>? task)
    {
        if (task is null)
        {
            return (null, null);
        }
        try
        {
            return await task;
        }
        catch (OperationCanceledException)
        {
            return (null, null);
        }
    }
}
