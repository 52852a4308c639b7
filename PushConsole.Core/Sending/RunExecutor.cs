using Microsoft.EntityFrameworkCore;
using PushConsole.Accounts;
using PushConsole.Campaigns;
using PushConsole.Ledger;
using PushConsole.Persistence;
using PushConsole.Sending;
using PushConsole.Templates;
using PushConsole.WeChat;

namespace PushConsole.Sending;

/// <summary>What one execution of a run ended with, and when the run wants to be executed again.</summary>
public sealed record RunExecution(RunStatus Status, DateTimeOffset? WakeAt, int Sent, int Failed, int Skipped, string? Reason = null)
{
    public static RunExecution Nothing(RunStatus status, string? reason = null) => new(status, null, 0, 0, 0, reason);
}

/// <summary>
/// The one send engine. Executes a run of any kind: fills its ledger from the run's audience source — a campaign's
/// audience resolved once, or every follower of an official account read page by page while sending
/// (<see cref="FollowerAudience"/>) — and sends every Pending row through the <see cref="SendPipeline"/>, watching the
/// run's row for pause and cancel. Safe to call twice for one run (a duplicate fire, another node): rows are taken
/// atomically, so each is sent by one caller only. A run opened by something other than a campaign (a channel's
/// reminder, a transactional message) gets its message and rules from, and reports its end to, its <see cref="IRunOwner"/>.
/// </summary>
public sealed class RunExecutor(
    IDbContextFactory<PushConsoleDbContext> contexts,
    DeliveryLedger ledger,
    UserAudience audience,
    FollowerAudience followers,
    IEnumerable<IRunOwner> owners,
    ICredentialSource credentials,
    IRunMessageFactory messages,
    IWeChatClientFactory clients,
    RunSignals signals,
    RunGate gate,
    AccountPauses pauses,
    WriteGate writes,
    IOptions<SendingOptions> options,
    IOptions<Scheduling.SchedulerOptions> scheduler,
    TimeProvider time,
    ILogger<RunExecutor> logger)
{
    private readonly SendingOptions settings = options.Value;
    private readonly string node = Scheduling.ClusterNode.NameOf(scheduler.Value);
    private readonly IReadOnlyDictionary<RunKind, IRunOwner> ownerOf = owners.ToDictionary(o => o.Kind);
    private long executions;

    /// <summary>Executions of the send pipeline on this node: one per run executed alone, one per batch of runs executed together.</summary>
    public long Executions => Interlocked.Read(ref executions);

    public async Task<RunExecution> ExecuteAsync(long runId, CancellationToken cancellationToken)
    {
        using var entered = await gate.EnterAsync(runId, cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var run = await db.DeliveryRuns.AsNoTracking().SingleOrDefaultAsync(r => r.Id == runId, cancellationToken);
        if (run is null)
        {
            return RunExecution.Nothing(RunStatus.Canceled, ServiceText.Stored("Run.Gone"));
        }
        if (run.Status is RunStatus.Completed or RunStatus.Canceled or RunStatus.Failed)
        {
            // Ended, perhaps by a node that died before telling the run's owner: tell it now (harmless twice).
            await TellOwnerAsync(run, run.Status, run.StatusReason);
            return RunExecution.Nothing(run.Status);
        }
        if (run.Status == RunStatus.Paused)
        {
            return RunExecution.Nothing(run.Status);
        }
        var now = time.GetUtcNow();
        if (run.Status == RunStatus.Held && run.HeldUntil > now)
        {
            return new RunExecution(RunStatus.Held, run.HeldUntil, 0, 0, 0, run.StatusReason);
        }

        var campaign = run.CampaignId is { } campaignId
            ? await db.Campaigns.AsNoTracking().SingleOrDefaultAsync(c => c.Id == campaignId, cancellationToken)
            : null;
        // Account and template in one statement: a one-recipient run (a transactional message) pays this per message.
        var loaded = await (from a in db.Accounts.AsNoTracking().Where(a => a.Id == run.AccountId)
                            from t in db.Templates.AsNoTracking().Where(t => t.Id == run.TemplateId).DefaultIfEmpty()
                            select new { Account = a, Template = t }).SingleOrDefaultAsync(cancellationToken);
        var account = loaded?.Account;
        var template = loaded?.Template;
        if (account is null || template is null)
        {
            return await FailAsync(run, ServiceText.Stored(account is null ? "Run.AccountGone" : "Run.TemplateGone"), cancellationToken);
        }
        if (AccountCalendar.Resolve(account.TimeZone) is null)
        {
            return await FailAsync(run, ServiceText.Stored("Account.UnknownZone", account.TimeZone), cancellationToken);
        }
        var owner = ownerOf.GetValueOrDefault(run.Kind);
        var prepared = owner is null
            ? PrepareCampaign(campaign, run, account, template)
            : await owner.PrepareAsync(run, account, template, cancellationToken);
        if (prepared.Message is not { } message)
        {
            return await FailAsync(run, prepared.Problem ?? ServiceText.Stored("Run.TemplateUnsendable"), cancellationToken);
        }
        // Whether the account's quiet hours hold is the run's rule (its owner's), applied in this one place.
        var calendar = prepared.QuietHours ? AccountCalendar.Of(account) : AccountCalendar.Of(account).WithoutQuietHours();

        if (!await MoveAsync(runId, [RunStatus.Pending, RunStatus.Running, RunStatus.Held], s => s
                .SetProperty(r => r.Status, RunStatus.Running)
                .SetProperty(r => r.StatusReason, (string?)null)
                .SetProperty(r => r.HeldUntil, (DateTimeOffset?)null)
                .SetProperty(r => r.StartedAt, r => r.StartedAt ?? now), cancellationToken))
        {
            return RunExecution.Nothing(await StatusOfAsync(runId, cancellationToken) ?? RunStatus.Canceled);
        }

        if (!run.AudienceComplete && owner is null)
        {
            if (campaign is null)
            {
                return await FailAsync(run, ServiceText.Stored("Run.CampaignGone"), cancellationToken);
            }
            try
            {
                await FillAudienceAsync(run, campaign, account, template, calendar, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException && !DatabaseErrors.IsUnreachable(e))
            {
                logger.LogWarning(e, "Resolving the audience of run {RunId} failed", runId);
                return await FailAsync(run, ServiceText.Stored("Run.AudienceUnresolved", e.Message), cancellationToken);
            }
        }

        // Rows a dead sender left in Sending go out again, with the credential and client_msg_id they hold. A run never
        // executed before (still Pending when read) has none: rows are taken only after the move to Running.
        if (run.Status != RunStatus.Pending)
        {
            await ledger.RequeueAbandonedAsync(runId, settings.AbandonedAfter, cancellationToken);
        }

        if (calendar.QuietUntilAfter(now) is { } quietEnd && SkipsQuietHours(campaign, run, calendar, quietEnd))
        {
            await ledger.SkipPendingAsync(runId, SkipReason.QuietHours, cancellationToken);
        }

        var need = CredentialNeed.Of(template);
        var dailyCap = prepared.DailyCapPerUser is > 0 ? prepared.DailyCapPerUser : null;
        var client = clients.For(account);
        using var stop = new StopSignal();
        var feed = run.AudienceComplete || owner is null ? AudienceFeed.Whole : followers.Start(run, client, calendar.DayOf(now), stop);
        var pipeline = new SendPipeline(ledger, credentials, settings, time, PipelineRuns.One(runId, message), account, calendar,
            client, need, dailyCap, pauses, feed,
            // Every row of a run opened today was written today, stamped with today.
            rowsStampedOn: calendar.DayOf(run.CreatedAt) == calendar.DayOf(now) ? calendar.DayOf(now) : null);
        using var monitorEnd = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var monitor = MonitorAsync(runId, stop, monitorEnd.Token);
        var what = run.Kind == RunKind.Message ? $"message run {runId}"
            : run.ChannelId is { } channelId ? $"the reminder broadcast of channel {channelId} (run {runId})" : $"campaign run {runId}";
        // A transactional message is one send: two lines per message would cost more than the send (the leave line at
        // Information is for sharing a bulk run between nodes).
        var joinLeave = run.Kind == RunKind.Message ? LogLevel.Debug : LogLevel.Information;
        logger.Log(joinLeave, "Node {Node} joins {Run}", node, what);
        PipelineEnd end;
        Interlocked.Increment(ref executions);
        try
        {
            // An urgent run's sends take the account's next permits ahead of bulk ones (the pipeline's senders inherit it).
            using (prepared.Urgent ? SendPriority.Urgent() : null)
            {
                end = await pipeline.RunAsync(stop, cancellationToken);
            }
        }
        finally
        {
            await feed.StopAsync();
            await monitorEnd.CancelAsync();
            await monitor;
        }
        RunExecution result;
        if (end.Stop is { Kind: RunStopKind.Hold, Until: { } until } hold && hold.QuietHours
            && SkipsQuietHours(campaign, run, calendar, until))
        {
            // A recurring run does not spill into the next day: tomorrow's run covers tomorrow.
            await ledger.SkipPendingAsync(runId, SkipReason.QuietHours, CancellationToken.None);
            result = await FinishAsync(run, end with { Stop = null }, CancellationToken.None);
        }
        else
        {
            result = await FinishAsync(run, end, CancellationToken.None);
        }
        // Each node says what it did itself, so the share of a run between the nodes of a cluster shows in the logs.
        logger.Log(joinLeave, "Node {Node} left {Run} ({Status}): this node sent {Sent}, failed {Failed}, skipped {Skipped}",
            node, run.ChannelId is null ? what : $"the broadcast of run {runId}", result.Status, end.Sent, end.Failed, end.Skipped);
        return result;
    }

    /// <summary>
    /// Executes several one-recipient runs of one account and template (transactional messages recorded in one lane
    /// commit) as ONE execution of the engine: the runs are read, moved to Running (unless opened Running), their rows
    /// peeked and taken, their credentials claimed (the pool's batch claim, earliest-expiring first, one use per user and
    /// round), their outcomes and settlements written and the runs completed with exact tallies in that same write, each
    /// in one statement for the whole batch, so N messages cost about the commits of one. Every run keeps its own ledger row, which decides as always
    /// whether it may go out (another node or a retry takes it or not). Runs that do not fit together (not fresh, not of
    /// the first run's account, template and owner, or under rules of their own) are executed one by one as before.
    /// </summary>
    /// <param name="recorded">Told the rows whose outcome was just written, before the runs are completed.</param>
    public async Task<IReadOnlyDictionary<long, RunExecution>> ExecuteManyAsync(IReadOnlyCollection<long> runIds,
        Action<IReadOnlyList<RecordedDelivery>>? recorded, CancellationToken cancellationToken)
    {
        var ids = runIds.Distinct().Order().ToList();
        var results = new Dictionary<long, RunExecution>(ids.Count);
        List<DeliveryRun> together = [];
        // A lone fresh run goes this way too: its waiting caller is told its outcome as written, as in a crowd.
        if (ids.Count > 0)
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var runs = await db.DeliveryRuns.AsNoTracking().Where(r => ids.Contains(r.Id)).OrderBy(r => r.Id).ToListAsync(cancellationToken);
            var first = runs.FirstOrDefault(Fresh);
            together = first is null ? [] : runs.Where(r => Fresh(r) && r.AccountId == first.AccountId && r.TemplateId == first.TemplateId
                && r.Kind == first.Kind).ToList();
            bool Fresh(DeliveryRun r) => (r.Status is RunStatus.Pending or RunStatus.Running) && r.AudienceComplete && r.CampaignId is null && r.ExpectedTotal == 1
                && ownerOf.ContainsKey(r.Kind);
        }
        if (together.Count > 0)
        {
            // In the order of their ids, so two executions on this node never wait for each other's runs crosswise.
            var entered = new List<IDisposable>(together.Count);
            try
            {
                foreach (var run in together)
                {
                    entered.Add(await gate.EnterAsync(run.Id, cancellationToken));
                }
                foreach (var (id, execution) in await ExecuteTogetherAsync(together, recorded, cancellationToken))
                {
                    results[id] = execution;
                }
            }
            finally
            {
                entered.ForEach(e => e.Dispose());
            }
        }
        foreach (var id in ids.Where(id => !results.ContainsKey(id)))
        {
            results[id] = await ExecuteAsync(id, cancellationToken);
        }
        return results;
    }

    /// <summary>The runs of <see cref="ExecuteManyAsync"/> that go together; those it leaves out are executed one by one.</summary>
    private async Task<Dictionary<long, RunExecution>> ExecuteTogetherAsync(List<DeliveryRun> runs,
        Action<IReadOnlyList<RecordedDelivery>>? recorded, CancellationToken cancellationToken)
    {
        var results = new Dictionary<long, RunExecution>(runs.Count);
        var sample = runs[0];
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var loaded = await (from a in db.Accounts.AsNoTracking().Where(a => a.Id == sample.AccountId)
                            from t in db.Templates.AsNoTracking().Where(t => t.Id == sample.TemplateId).DefaultIfEmpty()
                            select new { Account = a, Template = t }).SingleOrDefaultAsync(cancellationToken);
        if (loaded?.Account is not { } account || loaded.Template is not { } template || AccountCalendar.Resolve(account.TimeZone) is null)
        {
            // Each fails on its own, with its reason.
            return results;
        }
        var owner = ownerOf[sample.Kind];
        var prepared = await owner.PrepareAsync(runs, account, template, cancellationToken);
        var messages = new Dictionary<long, IRunMessage>(runs.Count);
        foreach (var run in runs)
        {
            var preparation = prepared[run.Id];
            if (preparation.Message is not { } message)
            {
                results[run.Id] = await FailAsync(run, preparation.Problem ?? ServiceText.Stored("Run.TemplateUnsendable"), cancellationToken);
            }
            else if (!preparation.QuietHours && preparation.DailyCapPerUser is null && preparation.Urgent == prepared[sample.Id].Urgent)
            {
                messages[run.Id] = message;
            }
            // Otherwise under rules of its own: executed alone.
        }
        if (messages.Count == 0)
        {
            return results;
        }
        var now = time.GetUtcNow();
        var ids = messages.Keys.ToList();
        // Runs opened Running (a transactional message's, see MessageLanes.RunOf) need no move: no commit of their own.
        var toStart = runs.Where(r => messages.ContainsKey(r.Id) && r.Status == RunStatus.Pending).Select(r => r.Id).ToList();
        var moved = 0;
        if (toStart.Count > 0)
        {
            // A write: on SQLite it takes its turn with the ledger's (a collision costs Microsoft.Data.Sqlite's 150 ms sleep).
            using (await writes.EnterAsync(cancellationToken))
            {
                moved = await db.DeliveryRuns.Where(r => toStart.Contains(r.Id) && r.Status == RunStatus.Pending)
                    .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Running).SetProperty(r => r.StartedAt, r => r.StartedAt ?? now)
                        .SetProperty(r => r.Version, r => r.Version + 1), cancellationToken);
            }
        }
        if (moved < toStart.Count)
        {
            // Some changed meanwhile (canceled, or executed by another node): those not Running now are left as they are;
            // a Running one's row is taken by one sender only, whichever.
            var statuses = await db.DeliveryRuns.AsNoTracking().Where(r => ids.Contains(r.Id)).ToDictionaryAsync(r => r.Id, r => r.Status, cancellationToken);
            foreach (var id in ids.Where(id => statuses.GetValueOrDefault(id, RunStatus.Canceled) != RunStatus.Running))
            {
                messages.Remove(id);
                results[id] = RunExecution.Nothing(statuses.GetValueOrDefault(id, RunStatus.Canceled));
            }
            ids = messages.Keys.ToList();
            if (ids.Count == 0)
            {
                return results;
            }
        }
        var calendar = AccountCalendar.Of(account).WithoutQuietHours();
        var today = calendar.DayOf(now);
        var client = clients.For(account);
        using var stop = new StopSignal();
        // Each run ends with its row's outcome, completed by the write of it (one commit fewer per execution); the writer
        // reports them here.
        var completedWithRow = new Dictionary<long, RecordedDelivery>();
        void Recorded(IReadOnlyList<RecordedDelivery> rows)
        {
            foreach (var row in rows.Where(r => r.RunCompleted))
            {
                completedWithRow[row.RunId] = row;
            }
            recorded?.Invoke(rows);
        }
        var pipeline = new SendPipeline(ledger, credentials, settings, time, PipelineRuns.OneRowEach(messages), account, calendar, client,
            CredentialNeed.Of(template), null, pauses, AudienceFeed.Whole,
            rowsStampedOn: runs.Where(r => messages.ContainsKey(r.Id)).All(r => calendar.DayOf(r.CreatedAt) == today) ? today : null,
            recorded: Recorded);
        // No watch for pause and cancel: each run is one send, under way for less than the watch's interval; a run
        // canceled before the move above is not sent, and a cancel after it meets the send (never interrupted) anyway.
        PipelineEnd end;
        Interlocked.Increment(ref executions);
        using (prepared[sample.Id].Urgent ? SendPriority.Urgent() : null)
        {
            end = await pipeline.RunAsync(stop, cancellationToken);
        }
        // The others (a row put back, a write that failed, a run canceled meanwhile): counted and completed as one run's
        // execution ends.
        var rest = ids.Where(id => !completedWithRow.ContainsKey(id)).ToList();
        var counts = rest.Count == 0 ? new Dictionary<long, RunCounts>() : await ledger.CountAsync(rest, CancellationToken.None);
        var done = rest.Where(id => counts.TryGetValue(id, out var c) && c.Pending == 0 && c.Sending == 0).ToList();
        // A run whose row has its outcome is complete whatever stopped the execution (a hold met another row).
        var completed = await ledger.CompleteRunsAsync(done, CancellationToken.None);
        if (completed < done.Count)
        {
            // A run without its tally (opened before tallies were written with it): made exact one by one.
            foreach (var id in done)
            {
                await ledger.RecountAsync(id, CancellationToken.None);
            }
        }
        var finished = runs.Where(r => done.Contains(r.Id) || completedWithRow.ContainsKey(r.Id)).ToList();
        await owner.EndedAsync(finished, RunStatus.Completed, CancellationToken.None);
        foreach (var (id, row) in completedWithRow)
        {
            results[id] = new RunExecution(RunStatus.Completed, null, row.Status == DeliveryStatus.Sent ? 1 : 0,
                row.Status == DeliveryStatus.Failed ? 1 : 0, row.Status == DeliveryStatus.Skipped ? 1 : 0);
        }
        foreach (var id in done)
        {
            var c = counts[id];
            results[id] = new RunExecution(RunStatus.Completed, null, c.Sent, c.Failed, c.Skipped);
        }
        foreach (var run in runs.Where(r => messages.ContainsKey(r.Id) && !results.ContainsKey(r.Id)))
        {
            // Put back (a transient failure), held by another sender, or stopped: as one run's execution ends.
            results[run.Id] = await FinishAsync(run, end, CancellationToken.None);
        }
        logger.LogDebug("Node {Node} sent {Count} message runs together: {Sent} sent, {Failed} failed, {Skipped} skipped",
            node, ids.Count, end.Sent, end.Failed, end.Skipped);
        return results;
    }

    /// <summary>A campaign's run: the template's expressions, the account's quiet hours and the campaign's daily cap.</summary>
    private RunPreparation PrepareCampaign(Campaign? campaign, DeliveryRun run, WeChatAccount account, MessageTemplate template)
    {
        var (message, problem) = messages.Prepare(template, account, campaign?.Name ?? run.Name);
        return new RunPreparation(message, problem, QuietHours: true, DailyCapPerUser: campaign?.DailyCapPerUser);
    }

    private async Task FillAudienceAsync(DeliveryRun run, Campaign campaign, WeChatAccount account, MessageTemplate template,
        AccountCalendar calendar, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var recipients = await audience.ResolveAsync(campaign, account, template, now, cancellationToken);
        var day = calendar.DayOf(now);
        // Added in slices so a huge audience is not one transaction; insert-or-ignore makes a repeat harmless.
        foreach (var slice in recipients.Chunk(10_000))
        {
            await ledger.AddRecipientsAsync(run, slice, day, cancellationToken);
        }
        // Whatever the status is by now (a pause during a long resolve): the rows are in, and a repeat would differ.
        await MoveAsync(run.Id, Enum.GetValues<RunStatus>(), s => s
            .SetProperty(r => r.ExpectedTotal, recipients.Count)
            .SetProperty(r => r.AudienceComplete, true), cancellationToken);
        logger.LogInformation("Run {RunId} of campaign {CampaignId}: audience of {Count} recipients", run.Id, campaign.Id, recipients.Count);
    }

    /// <summary>
    /// Quiet hours that last into a later local day than the run was fired on end a recurring run's day: its pending
    /// recipients are skipped (quiet hours) rather than held, since the next occurrence sends again. One-off runs wait.
    /// </summary>
    private static bool SkipsQuietHours(Campaign? campaign, DeliveryRun run, AccountCalendar calendar, DateTimeOffset until) =>
        campaign?.Schedule == ScheduleKind.Recurring && calendar.DayOf(until) > calendar.DayOf(run.CreatedAt);

    private async Task MonitorAsync(long runId, StopSignal stop, CancellationToken cancellationToken)
    {
        using var watch = signals.WatchRun(runId);
        try
        {
            while (!stop.IsStopped)
            {
                await watch.WaitAsync(settings.StatusPollInterval, cancellationToken);
                var status = await StatusOfAsync(runId, cancellationToken);
                if (status is null or RunStatus.Canceled)
                {
                    stop.Request(new RunStop(RunStopKind.Cancel, ServiceText.Stored("Run.Canceled")));
                }
                else if (status == RunStatus.Paused)
                {
                    stop.Request(new RunStop(RunStopKind.Pause, ServiceText.Stored("Run.Paused")));
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The execution ended.
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Watching run {RunId} for pause and cancel failed", runId);
        }
    }

    private async Task<RunExecution> FinishAsync(DeliveryRun run, PipelineEnd end, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var stop = end.Stop;
        RunExecution Result(RunStatus status, DateTimeOffset? wake = null, string? reason = null) =>
            new(status, wake, end.Sent, end.Failed, end.Skipped, reason);
        switch (stop?.Kind)
        {
            case RunStopKind.Cancel:
                // Rows the pipeline put back after the cancel skipped the pending ones.
                await ledger.SkipPendingAsync(run.Id, SkipReason.Canceled, cancellationToken);
                await RunCredentials.ReleaseCanceledAsync(contexts, ledger, credentials, run.Id, cancellationToken);
                await TellOwnerAsync(run, RunStatus.Canceled, await ReasonOfAsync(run.Id, cancellationToken) ?? stop.Reason);
                return Result(RunStatus.Canceled);
            case RunStopKind.Pause:
                return Result(RunStatus.Paused);
            case RunStopKind.Shutdown:
                return Result(RunStatus.Running, reason: stop.Reason);
            case RunStopKind.Interrupted:
                // Rows whose outcome could not be written stay in Sending and go out again once abandoned.
                logger.LogWarning("Run {RunId} interrupted: {Reason}; it goes on shortly", run.Id, ServiceText.Show(stop.Reason));
                return Result(RunStatus.Running, now + settings.HelperPollInterval, stop.Reason);
            case RunStopKind.Hold:
                await MoveAsync(run.Id, [RunStatus.Running], s => s
                    .SetProperty(r => r.Status, RunStatus.Held)
                    .SetProperty(r => r.HeldUntil, stop.Until)
                    .SetProperty(r => r.StatusReason, stop.Reason), cancellationToken);
                logger.LogInformation("Run {RunId} held until {Until}: {Reason}", run.Id, stop.Until, ServiceText.Show(stop.Reason));
                return Result(RunStatus.Held, stop.Until, stop.Reason);
            case RunStopKind.Fail:
                if (await MoveAsync(run.Id, [RunStatus.Running], s => s
                        .SetProperty(r => r.Status, RunStatus.Failed)
                        .SetProperty(r => r.StatusReason, stop.Reason), cancellationToken))
                {
                    logger.LogWarning("Run {RunId} failed: {Reason}", run.Id, ServiceText.Show(stop.Reason));
                    await TellOwnerAsync(run, RunStatus.Failed, stop.Reason);
                }
                return Result(RunStatus.Failed, reason: stop.Reason);
        }
        var counts = await ledger.CountAsync(run.Id, cancellationToken);
        if (counts.Pending > 0)
        {
            // Put back by a sender between the last take and the end: go again.
            return Result(RunStatus.Running, now);
        }
        if (counts.Sending > 0)
        {
            // Another sender (a node that may have died) holds rows: look again once they count as abandoned.
            return Result(RunStatus.Running, now + settings.AbandonedAfter);
        }
        if (await MoveAsync(run.Id, [RunStatus.Running], s => s
                .SetProperty(r => r.Status, RunStatus.Completed)
                .SetProperty(r => r.FinishedAt, now), cancellationToken))
        {
            logger.LogInformation("Run {RunId} completed: {Sent} sent, {Failed} failed, {Skipped} skipped",
                run.Id, counts.Sent, counts.Failed, counts.Skipped);
            await TellOwnerAsync(run, RunStatus.Completed, null);
        }
        return Result(RunStatus.Completed);
    }

    private async Task<RunExecution> FailAsync(DeliveryRun run, string reason, CancellationToken cancellationToken)
    {
        if (await MoveAsync(run.Id, [RunStatus.Pending, RunStatus.Running, RunStatus.Held], s => s
                .SetProperty(r => r.Status, RunStatus.Failed)
                .SetProperty(r => r.StatusReason, reason), cancellationToken))
        {
            logger.LogWarning("Run {RunId} failed: {Reason}", run.Id, reason);
            await TellOwnerAsync(run, RunStatus.Failed, reason);
        }
        return RunExecution.Nothing(RunStatus.Failed, reason);
    }

    /// <summary>An ended run's tally is made exact from its rows; then its owner (if any) hears how it ended.</summary>
    private async Task TellOwnerAsync(DeliveryRun run, RunStatus status, string? reason)
    {
        await ledger.RecountAsync(run.Id, CancellationToken.None);
        if (ownerOf.GetValueOrDefault(run.Kind) is { } owner)
        {
            await owner.EndedAsync(run, status, reason, CancellationToken.None);
        }
    }

    private async Task<string?> ReasonOfAsync(long runId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.DeliveryRuns.Where(r => r.Id == runId).Select(r => r.StatusReason).SingleOrDefaultAsync(cancellationToken);
    }

    private async Task<RunStatus?> StatusOfAsync(long runId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.DeliveryRuns.Where(r => r.Id == runId).Select(r => (RunStatus?)r.Status).SingleOrDefaultAsync(cancellationToken);
    }

    /// <summary>Changes the run's row only from the given statuses, so a pause or cancel made meanwhile is never overwritten.</summary>
    private async Task<bool> MoveAsync(long runId, RunStatus[] from,
        Action<Microsoft.EntityFrameworkCore.Query.UpdateSettersBuilder<DeliveryRun>> set, CancellationToken cancellationToken)
    {
        // A write: on SQLite it takes its turn with the ledger's (a collision costs Microsoft.Data.Sqlite's 150 ms sleep).
        using var turn = await writes.EnterAsync(cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var changed = await db.DeliveryRuns.Where(r => r.Id == runId && from.Contains(r.Status))
            .ExecuteUpdateAsync(s =>
            {
                set(s);
                s.SetProperty(r => r.Version, r => r.Version + 1);
            }, cancellationToken);
        return changed > 0;
    }
}
