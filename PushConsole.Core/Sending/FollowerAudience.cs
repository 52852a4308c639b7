using Microsoft.EntityFrameworkCore;
using PushConsole.Ledger;
using PushConsole.Persistence;
using PushConsole.Sending;
using PushConsole.WeChat;

namespace PushConsole.Sending;

/// <summary>
/// How a run's audience reaches its ledger while the run sends. A campaign's audience is resolved whole before the
/// first send (<see cref="Whole"/>); the followers of an official account arrive page by page
/// (<see cref="FollowerAudience"/>), so the senders wait for the next page instead of ending the run.
/// </summary>
internal class AudienceFeed
{
    /// <summary>Every recipient is in the ledger already.</summary>
    public static AudienceFeed Whole { get; } = new();

    /// <summary>True once every recipient has a ledger row.</summary>
    public virtual bool IsComplete => true;

    /// <summary>Waits until more recipients may be in the ledger (a page was recorded here or elsewhere), or the timeout.</summary>
    public virtual Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Ends the reading (the execution is over) and waits for it.</summary>
    public virtual Task StopAsync() => Task.CompletedTask;
}

/// <summary>
/// The audience "every follower of an official account": <c>user/get</c> pages of up to 10,000 openids go into the
/// ledger (insert-or-ignore), then the cursor (next_openid), the follower total and the end of the list are
/// checkpointed on the run with a compare-and-set on the old cursor. One node at a time reads a page (user/get has a
/// daily quota; <see cref="RunStore.TryLockAudienceAsync"/>), the others send and continue from its checkpoint. Pages
/// are read while the rows already recorded are sent, so only the page being recorded is in memory.
/// </summary>
public sealed class FollowerAudience(
    IDbContextFactory<PushConsoleDbContext> contexts,
    DeliveryLedger ledger,
    WriteGate writes,
    RunStore runs,
    IOptions<SendingOptions> options,
    TimeProvider time,
    ILogger<FollowerAudience> logger)
{
    private readonly SendingOptions settings = options.Value;

    /// <summary>Starts reading the run's followers from its checkpoint; a failure to list them stops the run.</summary>
    internal AudienceFeed Start(DeliveryRun run, WeChatClient client, DateOnly localDay, StopSignal stop)
    {
        var feed = new Feed();
        feed.Reading = Task.Run(() => ReadAsync(run, client, localDay, stop, feed), CancellationToken.None);
        return feed;
    }

    private sealed class Feed : AudienceFeed
    {
        private readonly SemaphoreSlim recorded = new(0, 1);
        private readonly CancellationTokenSource end = new();
        private volatile bool complete;

        public Task Reading { get; set; } = Task.CompletedTask;
        public CancellationToken Ended => end.Token;
        public override bool IsComplete => complete;

        public void Recorded(bool last)
        {
            complete |= last;
            try
            {
                recorded.Release();
            }
            catch (SemaphoreFullException)
            {
                // The senders are already told.
            }
        }

        public override Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => recorded.WaitAsync(timeout, cancellationToken);

        public override async Task StopAsync()
        {
            await end.CancelAsync();
            await Reading;
            end.Dispose();
        }
    }

    private sealed record Checkpoint(string? Cursor, bool Complete);

    private async Task ReadAsync(DeliveryRun run, WeChatClient client, DateOnly localDay, StopSignal stop, Feed feed)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(feed.Ended, stop.Token);
        var cancellationToken = linked.Token;
        var at = new Checkpoint(run.Cursor, run.AudienceComplete);
        try
        {
            while (!at.Complete && !cancellationToken.IsCancellationRequested)
            {
                var (next, error) = await ReadPageAsync(run, client, localDay, at, cancellationToken);
                if (error is not null)
                {
                    stop.Request(new RunStop(RunStopKind.Fail, error));
                    return;
                }
                at = next!;
                feed.Recorded(at.Complete);
            }
            feed.Recorded(at.Complete);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The execution ended; the next one continues from the checkpoint.
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Reading the followers of run {RunId} failed", run.Id);
            stop.Request(DatabaseErrors.IsUnreachable(e)
                ? new RunStop(RunStopKind.Interrupted, ServiceText.Stored("Run.DatabaseUnreachable", RunStop.Brief(e)))
                : new RunStop(RunStopKind.Fail, ServiceText.Stored("Run.FollowersNotRecorded", RunStop.Brief(e))));
        }
    }

    /// <summary>Records the page after <paramref name="from"/>, or learns the checkpoint another node recorded.</summary>
    private async Task<(Checkpoint? Next, string? Error)> ReadPageAsync(DeliveryRun run, WeChatClient client, DateOnly localDay,
        Checkpoint from, CancellationToken cancellationToken)
    {
        await using var pageLock = await runs.TryLockAudienceAsync(contexts, run.Id, cancellationToken);
        if (pageLock is null)
        {
            // Another node reads; this one sends what is recorded and looks at the checkpoint again shortly.
            await Task.Delay(settings.StatusPollInterval, time, cancellationToken);
            return (await CheckpointAsync(run.Id, cancellationToken), null);
        }
        if (pageLock.Shared && await CheckpointAsync(run.Id, cancellationToken) is var current && current != from)
        {
            // Another node recorded pages while this one waited for the lock: start from its checkpoint.
            return (current, null);
        }
        WeChatResult<FollowerPage>? result = null;
        for (var attempt = 1; attempt <= settings.MaxPageAttempts; attempt++)
        {
            result = await client.GetFollowersAsync(from.Cursor, cancellationToken);
            // Read by the one error policy: tried again when a later attempt may succeed, otherwise the run stops.
            if (result.Succeeded || WeChatErrorPolicy.ActionFor(result.Error) is not (ErrorAction.Retry or ErrorAction.RefreshToken or ErrorAction.PauseAccount))
            {
                break;
            }
            if (attempt < settings.MaxPageAttempts)
            {
                await Task.Delay(settings.PageRetryDelay * attempt, time, cancellationToken);
            }
        }
        if (!result!.Succeeded)
        {
            return (null, $"WeChat did not list the followers: {$"{result.Error.ErrCode} {result.Error.ErrMsg}".Trim()}.");
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
            return (await CheckpointAsync(run.Id, cancellationToken), null);
        }
        logger.LogDebug("Run {RunId}: page of {Count} followers recorded (total {Total}, complete {Complete})",
            run.Id, page.OpenIds.Count, total, complete);
        return (new Checkpoint(cursor, complete), null);
    }

    private async Task<Checkpoint> CheckpointAsync(long runId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.DeliveryRuns.AsNoTracking().Where(r => r.Id == runId)
            .Select(r => new Checkpoint(r.Cursor, r.AudienceComplete)).SingleAsync(cancellationToken);
    }
}
