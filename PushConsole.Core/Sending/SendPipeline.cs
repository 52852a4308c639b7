using System.Collections.Concurrent;
using System.Threading.Channels;
using PushConsole.Accounts;
using PushConsole.Ledger;
using PushConsole.Persistence;
using PushConsole.Sending;
using PushConsole.WeChat;

namespace PushConsole.Sending;

/// <summary>One ledger row on its way out: who, with which credential, and how often it has been tried.</summary>
internal sealed class WorkItem(long id, string recipient, int attempts, IRunMessage message)
{
    public long Id { get; } = id;
    public string Recipient { get; } = recipient;
    /// <summary>The message of the row's run (rows of several runs executed together each carry their own).</summary>
    public IRunMessage Message { get; } = message;
    /// <summary>Takes of the row so far, this one included (from the ledger).</summary>
    public int Attempts { get; } = attempts;
    public HeldCredential? Credential { get; set; }
    /// <summary>Credentials tried for this row in this execution.</summary>
    public int CredentialTries { get; set; }
    /// <summary>The credential came from the row itself: an earlier attempt may have been delivered with it.</summary>
    public bool Resend { get; set; }
    /// <summary>WeChat refused the credential the row holds (settled already): the row must not keep it.</summary>
    public bool CredentialSpent { get; set; }
    public int? LastErrCode { get; set; }
    public string? LastErrMsg { get; set; }
}

/// <summary>What an execution did, and why it ended.</summary>
internal sealed record PipelineEnd(RunStop? Stop, int Sent, int Failed, int Skipped);

/// <summary>
/// The runs whose rows a pipeline sends: one run, or several one-recipient runs of one account and template executed
/// together (transactional messages recorded in one lane commit), each with its own message. Rows of several runs are
/// peeked with their run and taken by id (the take checks the account), so the batch costs the statements of one run.
/// </summary>
internal sealed class PipelineRuns
{
    private readonly IReadOnlyDictionary<long, IRunMessage> messages;

    private PipelineRuns(long? single, IReadOnlyDictionary<long, IRunMessage> messages, bool oneRowEach)
    {
        Single = single;
        this.messages = messages;
        OneRowRuns = oneRowEach ? messages.Keys.ToHashSet() : null;
    }

    public static PipelineRuns One(long runId, IRunMessage message) => new(runId, new Dictionary<long, IRunMessage> { [runId] = message }, false);

    /// <summary>Runs of one row each (transactional messages): each is completed by the write of its row's outcome.</summary>
    public static PipelineRuns OneRowEach(IReadOnlyDictionary<long, IRunMessage> messages) =>
        new(messages.Count == 1 ? messages.Keys.First() : null, messages, true);

    /// <summary>The run, when there is one; null for several.</summary>
    public long? Single { get; }

    public IReadOnlyCollection<long> Ids => (IReadOnlyCollection<long>)messages.Keys;

    public IRunMessage MessageOf(long runId) => messages[runId];

    /// <summary>Runs that end with their one row's outcome (<see cref="OneRowEach"/>); null for others.</summary>
    public IReadOnlySet<long>? OneRowRuns { get; }
}

/// <summary>
/// Sends one run's Pending rows: a producer takes rows in batches (daily cap applied in the same statement), claims
/// their credentials in one statement and attaches them to the rows before anything is sent; a bounded channel feeds
/// a fixed number of senders (the account's rate limit is applied by the client); a writer collects outcomes and
/// writes them, and settles credentials, in batches. Nothing per message touches the database or the log.
/// </summary>
internal sealed class SendPipeline
{
    private readonly DeliveryLedger ledger;
    private readonly ICredentialSource credentials;
    private readonly SendingOptions options;
    private readonly TimeProvider time;
    private readonly PipelineRuns runs;
    private readonly WeChatAccount account;
    private readonly AccountCalendar calendar;
    private readonly Action<IReadOnlyList<RecordedDelivery>>? recorded;
    private readonly WeChatClient client;
    private readonly CredentialNeed need;
    private readonly int? dailyCap;
    private readonly SendVerdicts verdicts;
    private readonly AccountPauses pauses;
    private readonly AudienceFeed audience;
    private readonly int batchSize;
    private readonly int senders;
    /// <summary>
    /// Rows ready to send. Unbounded, so a sender taking a row never wakes the producer; the producer instead waits
    /// until no more than a batch is queued (<see cref="queued"/>, <see cref="room"/>) and then takes and adds the next
    /// whole batch, so the senders have a batch to work on while it does.
    /// </summary>
    private readonly Channel<WorkItem> toSend;
    private int queued;
    private readonly SemaphoreSlim room = new(0, 1);
    private readonly Channel<(WorkItem Item, SendVerdict Verdict)> outcomes =
        Channel.CreateUnbounded<(WorkItem, SendVerdict)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentQueue<WorkItem> needNextCredential = new();
    private readonly SemaphoreSlim flushed = new(0, 1);
    /// <summary>Set when a batch of outcomes is waiting to be written (see <see cref="WriteAsync"/>).</summary>
    private readonly SemaphoreSlim batchDue = new(0, 1);
    /// <summary>Outcomes reported and not yet taken by the writer.</summary>
    private int unwritten;
    private int inFlight;
    /// <summary>Rows this execution wrote back to Pending (a requeue, a send not made): each may be peeked again.</summary>
    private int pendingAgain;
    /// <summary>
    /// Set by a peek that found fewer rows than it asked for with the audience complete: every Pending row was then in
    /// hand, so until a row is put back (<see cref="pendingAgain"/> moves past this mark) another peek would find
    /// nothing and is not made. A batch of transactional messages is one peek instead of three.
    /// </summary>
    private int? drainedAt;
    private DateOnly? stampedDay;
    private int sent;
    private int failed;
    private int skipped;

    /// <param name="recorded">Told the rows whose outcome was just written (a caller waiting for one learns it at once).</param>
    public SendPipeline(DeliveryLedger ledger, ICredentialSource credentials, SendingOptions options, TimeProvider time,
        PipelineRuns runs, WeChatAccount account, AccountCalendar calendar, WeChatClient client,
        CredentialNeed need, int? dailyCap, AccountPauses pauses, AudienceFeed audience, DateOnly? rowsStampedOn = null,
        Action<IReadOnlyList<RecordedDelivery>>? recorded = null)
    {
        // Rows known to carry this day already need no restamp before the first batch (a run opened today).
        stampedDay = rowsStampedOn;
        this.pauses = pauses;
        this.audience = audience;
        this.ledger = ledger;
        this.credentials = credentials;
        this.options = options;
        this.time = time;
        this.runs = runs;
        this.account = account;
        this.calendar = calendar;
        this.recorded = recorded;
        this.client = client;
        this.need = need;
        this.dailyCap = dailyCap;
        verdicts = new SendVerdicts(options, calendar, time);
        var rate = Math.Max(1, account.SendRatePerSecond);
        // Keep what is taken but unsent to about half a second of sends at the account's rate: rows wait in Sending
        // only briefly, and a pause leaves little to put back.
        batchSize = Math.Clamp(rate / 2, 1, options.BatchSize);
        senders = Math.Clamp((rate + 1) / 2, 1, options.MaxConcurrency);
        toSend = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleWriter = true });
    }

    public async Task<PipelineEnd> RunAsync(StopSignal stop, CancellationToken shutdown)
    {
        // A pause, cancel or hold never interrupts a send under way: WeChat may already have delivered it, and its
        // outcome must be written. Only the node shutting down cuts sends off (a resend reuses credential and
        // client_msg_id). So that little is left under way when a stop comes, there are only as many senders as half
        // a second of the account's rate needs.
        var senderTasks = Enumerable.Range(0, senders).Select(_ => Task.Run(() => SendAsync(stop, shutdown), CancellationToken.None)).ToArray();
        var writer = Task.Run(() => WriteAsync(stop), CancellationToken.None);
        try
        {
            await ProduceAsync(stop, shutdown);
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            stop.Request(new RunStop(RunStopKind.Shutdown, ServiceText.Stored("Run.ShuttingDown")));
            await DrainAsync();
        }
        catch (Exception e)
        {
            // Every taken row has been reported or queued (see ProduceAsync), so draining cannot wait forever.
            stop.Request(DatabaseErrors.IsUnreachable(e)
                ? new RunStop(RunStopKind.Interrupted, ServiceText.Stored("Run.DatabaseUnreachable", RunStop.Brief(e)))
                : new RunStop(RunStopKind.Fail, ServiceText.Stored("Run.StoppedOnError", RunStop.Brief(e))));
            await DrainAsync();
            throw;
        }
        finally
        {
            toSend.Writer.TryComplete();
            await Task.WhenAll(senderTasks);
            outcomes.Writer.TryComplete();
            await writer;
        }
        return new PipelineEnd(stop.Stop, sent, failed, skipped);
    }

    private async Task ProduceAsync(StopSignal stop, CancellationToken shutdown)
    {
        while (true)
        {
            if (stop.IsStopped)
            {
                await DrainAsync();
                return;
            }
            var now = time.GetUtcNow();
            if (calendar.QuietUntilAfter(now) is { } until)
            {
                stop.Request(new RunStop(RunStopKind.Hold, ServiceText.Stored("Run.QuietHoursHeld", calendar.Describe(until)), until, QuietHours: true));
                continue;
            }
            if (!needNextCredential.IsEmpty)
            {
                await NextCredentialsAsync(stop, shutdown);
                continue;
            }
            var day = calendar.DayOf(now);
            if (stampedDay != day)
            {
                // First batch of this execution, or midnight passed: pending rows count toward today.
                await ledger.RestampPendingAsync(runs.Ids, day, shutdown);
                stampedDay = day;
            }
            if (drainedAt is { } mark)
            {
                // In this order: a flush counts the rows it put back before it counts its rows as no longer out.
                var outstanding = Volatile.Read(ref inFlight);
                if (Volatile.Read(ref pendingAgain) == mark)
                {
                    if (outstanding == 0)
                    {
                        return;
                    }
                    await flushed.WaitAsync(options.FlushInterval * 2, shutdown);
                    continue;
                }
                drainedAt = null;
            }
            // Read before the peek: a page recorded after an empty peek is seen on the next round.
            var audienceComplete = audience.IsComplete;
            var putBackBefore = Volatile.Read(ref pendingAgain);
            // Without credentials or a daily cap to apply there is nothing to decide between peek and take: one
            // statement takes the batch (a follower broadcast's case).
            var simple = !need.Required && dailyCap is null && runs.Single is not null;
            var found = simple ? await ledger.TakePendingAsync(runs.Single!.Value, batchSize, shutdown)
                : runs.Single is { } runId ? await ledger.PeekPendingAsync(runId, batchSize, shutdown)
                : await ledger.PeekPendingAsync(runs.Ids, batchSize, shutdown);
            var peeked = simple || runs.Single is not null ? found : OnePerUser(found);
            if (audienceComplete && found.Count < batchSize && peeked.Count == found.Count && peeked.Count > 0)
            {
                drainedAt = putBackBefore;
            }
            if (peeked.Count == 0)
            {
                if (Volatile.Read(ref inFlight) == 0)
                {
                    if (audienceComplete)
                    {
                        return;
                    }
                    // The next page of the audience is being read (here or on another node).
                    await audience.WaitAsync(options.StatusPollInterval, shutdown);
                    continue;
                }
                // Rows still out may come back (a transient failure puts its row back to Pending): wait for a flush.
                await flushed.WaitAsync(options.FlushInterval * 2, shutdown);
                continue;
            }
            List<WorkItem> items;
            if (simple)
            {
                Interlocked.Add(ref inFlight, peeked.Count);
                items = peeked.Select(p => ItemOf(p, runs.Single!.Value)).ToList();
            }
            else
            {
                items = await TakeAsync(peeked, day, shutdown);
            }
            await EnqueueAsync(items, stop);
        }
    }

    /// <summary>
    /// Rows of several runs may share a user (two messages to one user); the claim gives one use per user, so a batch
    /// takes one row per user and the next batch the other.
    /// </summary>
    private static List<TakenDelivery> OnePerUser(IReadOnlyList<TakenDelivery> peeked)
    {
        var users = new HashSet<string>(StringComparer.Ordinal);
        return peeked.Where(p => users.Add(p.Recipient)).ToList();
    }

    /// <summary>
    /// One batch: claims credentials for the peeked rows in one statement (skipping users already at the daily cap
    /// and rows that hold a credential from an earlier attempt) and takes the rows with their credentials attached, in
    /// one transaction of the ledger's (<see cref="BatchClaim"/>), the cap checked again there; claims the take did
    /// not use (a row another sender took, a user capped meanwhile) go back to the pool in it too. Returns the rows to
    /// send; the others are reported.
    /// </summary>
    private async Task<List<WorkItem>> TakeAsync(IReadOnlyList<TakenDelivery> peeked, DateOnly day, CancellationToken cancellationToken)
    {
        BatchClaim? batchClaim = null;
        if (need.Required)
        {
            var atCap = dailyCap is { } cap
                ? await ledger.AtDailyCapAsync(account.Id, peeked.Select(p => p.Recipient).ToList(), day, cap, cancellationToken)
                : new HashSet<string>();
            var toClaim = peeked.Where(p => p.CredentialId is null && !atCap.Contains(p.Recipient)).Select(p => p.Recipient).ToList();
            batchClaim = toClaim.Count == 0 ? null : new BatchClaim(this, peeked, toClaim);
        }
        // A take that fails leaves nothing claimed: its rollback undoes the claim (see DeliveryLedger.TakeForSendingAsync).
        var take = await ledger.TakeForSendingAsync(runs.Single, account.Id, peeked.Select(p => (p.Id, (long?)null)).ToList(), day, dailyCap,
            batchClaim, cancellationToken);
        var claims = batchClaim?.Claims ?? new Dictionary<string, HeldCredential>(StringComparer.Ordinal);
        Interlocked.Add(ref inFlight, take.Taken.Count + take.Capped.Count);
        // The take answers with ids; a row's run (for its message) is the one it was peeked with.
        var runOf = runs.Single is null ? peeked.ToDictionary(p => p.Id, p => p.RunId) : null;
        WorkItem Item(TakenDelivery row) => ItemOf(row, runOf?[row.Id] ?? runs.Single!.Value);
        foreach (var row in take.Capped)
        {
            Report(Item(row), new SendVerdict(VerdictKind.Skipped, SkipReason: SkipReason.Capped,
                Credential: row.CredentialId is null ? null : CredentialVerdict.Release), withHeldCredential: row);
        }
        var items = take.Taken.Select(Item).ToList();
        if (!need.Required)
        {
            return items;
        }
        try
        {
            var ready = new List<WorkItem>(items.Count);
            var resends = new List<(WorkItem Item, long CredentialId)>();
            var missing = new List<WorkItem>();
            for (var i = 0; i < items.Count; i++)
            {
                var item = items[i];
                if (claims.TryGetValue(item.Recipient, out var claim) && take.Taken[i].CredentialId == claim.Id)
                {
                    item.Credential = claim;
                    item.CredentialTries = 1;
                    ready.Add(item);
                }
                else if (take.Taken[i].CredentialId is { } held)
                {
                    resends.Add((item, held));
                }
                else
                {
                    missing.Add(item);
                }
            }
            if (resends.Count > 0)
            {
                var found = (await credentials.FindAsync(resends.Select(r => r.CredentialId).ToList(), cancellationToken)).ToDictionary(c => c.Id);
                foreach (var (item, held) in resends)
                {
                    if (found.TryGetValue(held, out var credential))
                    {
                        // Sent with this credential before: an earlier attempt may have been delivered.
                        item.Credential = credential;
                        item.Resend = true;
                        item.CredentialTries = 1;
                        ready.Add(item);
                    }
                    else
                    {
                        missing.Add(item);
                    }
                }
            }
            // Rows without a credential yet (a user under the cap again, a credential gone from the pool): one more
            // claim for just these, attached before they are sent.
            var reports = new List<(WorkItem, SendVerdict)>();
            ready.AddRange(await ClaimAsync(missing, reports, cancellationToken));
            foreach (var (item, verdict) in reports)
            {
                Report(item, verdict);
            }
            return ready;
        }
        catch
        {
            PutBack(items);
            throw;
        }
    }

    /// <summary>
    /// A batch's claim, made by the ledger inside the take's transaction (<see cref="ITakeClaims"/>): one use for each
    /// user to claim for, through the credential port, and afterwards the uses the take did not attach given back.
    /// </summary>
    private sealed class BatchClaim(SendPipeline pipeline, IReadOnlyList<TakenDelivery> peeked, List<string> toClaim) : ITakeClaims
    {
        /// <summary>What the claim gave, by user (one use per user).</summary>
        public Dictionary<string, HeldCredential> Claims { get; } = new(StringComparer.Ordinal);

        public async Task<IReadOnlyDictionary<long, long>> ClaimAsync(PushConsoleDbContext db, CancellationToken cancellationToken)
        {
            foreach (var claim in await pipeline.credentials.ClaimAsync(db, pipeline.account.Id, toClaim, pipeline.need, cancellationToken))
            {
                Claims[claim.OpenId] = claim;
            }
            return peeked.Where(p => p.CredentialId is null && Claims.ContainsKey(p.Recipient)).ToDictionary(p => p.Id, p => Claims[p.Recipient].Id);
        }

        public Task ReleaseUnusedAsync(PushConsoleDbContext db, TakeResult take, CancellationToken cancellationToken)
        {
            var attached = take.Taken.Where(t => t.CredentialId is not null).Select(t => (t.Recipient, t.CredentialId!.Value)).ToHashSet();
            var unused = Claims.Values.Where(c => !attached.Contains((c.OpenId, c.Id))).ToList();
            return unused.Count == 0 ? Task.CompletedTask : pipeline.credentials.ReleaseAsync(db, unused, cancellationToken);
        }
    }

    private WorkItem ItemOf(TakenDelivery row, long runId) => new(row.Id, row.Recipient, row.Attempts, runs.MessageOf(runId));

    /// <summary>Claims credentials for the items; those whose user has none left go to <paramref name="reports"/>.</summary>
    private async Task<List<WorkItem>> ClaimAsync(List<WorkItem> items, List<(WorkItem, SendVerdict)> reports, CancellationToken cancellationToken)
    {
        var ready = new List<WorkItem>(items.Count);
        var attach = new List<(long, long)>(items.Count);
        // The claim gives one use per user: rows of several runs for one user (two messages to them) claim in rounds.
        foreach (var round in items.GroupBy(i => i.Recipient, StringComparer.Ordinal).SelectMany(g => g.Select((item, n) => (item, n)))
                     .GroupBy(x => x.n, x => x.item).OrderBy(g => g.Key))
        {
            await ClaimRoundAsync(round.ToList(), ready, attach, reports, cancellationToken);
        }
        // The claim is on the row before the send, so a crash cannot lose it and a resend reuses it.
        await ledger.AttachCredentialsAsync(attach, cancellationToken);
        return ready;
    }

    private async Task ClaimRoundAsync(List<WorkItem> items, List<WorkItem> ready, List<(long, long)> attach,
        List<(WorkItem, SendVerdict)> reports, CancellationToken cancellationToken)
    {
        var claims = (await credentials.ClaimAsync(account.Id, items.Select(i => i.Recipient).ToList(), need, cancellationToken))
            .ToDictionary(c => c.OpenId, StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (claims.TryGetValue(item.Recipient, out var claim))
            {
                item.Credential = claim;
                item.Resend = false;
                item.CredentialSpent = false;
                item.CredentialTries++;
                ready.Add(item);
                attach.Add((item.Id, claim.Id));
            }
            else if (item.CredentialTries == 0 && options.SharedRuns && item.Attempts < options.MaxAttempts)
            {
                // Another node executing this run may hold the user's credential between its claim and its take
                // (it releases it when it finds the row taken): try the row again later rather than skip the user.
                reports.Add((item, new SendVerdict(VerdictKind.Requeue, ErrMsg: "No credential free for this user yet (another sender held it); tried again.")));
            }
            else if (item.CredentialTries == 0)
            {
                reports.Add((item, new SendVerdict(VerdictKind.Skipped, SkipReason: SkipReason.NoCredential)));
            }
            else
            {
                reports.Add((item, new SendVerdict(VerdictKind.Failed, item.LastErrCode, $"{item.LastErrMsg} (no other usable credential left)")));
            }
        }
    }

    private async Task NextCredentialsAsync(StopSignal stop, CancellationToken cancellationToken)
    {
        var items = new List<WorkItem>();
        while (needNextCredential.TryDequeue(out var item))
        {
            item.Credential = null;
            items.Add(item);
        }
        List<WorkItem> ready;
        var reports = new List<(WorkItem, SendVerdict)>();
        try
        {
            ready = await ClaimAsync(items, reports, cancellationToken);
        }
        catch
        {
            PutBack(items);
            throw;
        }
        foreach (var (item, verdict) in reports)
        {
            Report(item, verdict);
        }
        await EnqueueAsync(ready, stop);
    }

    /// <summary>Back to Pending without a send; uses claimed in this step (not yet on the row) go back to the pool.</summary>
    private void PutBack(List<WorkItem> items)
    {
        foreach (var item in items)
        {
            Report(item, item.Credential is not null && !item.Resend
                ? SendVerdict.NotSent with { Credential = CredentialVerdict.Release }
                : SendVerdict.NotSent);
        }
    }

    private async Task EnqueueAsync(List<WorkItem> items, StopSignal stop)
    {
        Interlocked.Add(ref queued, items.Count);
        foreach (var item in items)
        {
            toSend.Writer.TryWrite(item);
        }
        // Wait until no more than a batch is queued; after a stop the senders put the rest back.
        while (Volatile.Read(ref queued) > batchSize && !stop.IsStopped)
        {
            try
            {
                await room.WaitAsync(stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>After a stop: everything still out comes back (unsent rows to Pending) before the execution ends.</summary>
    private async Task DrainAsync()
    {
        while (needNextCredential.TryDequeue(out var item))
        {
            Report(item, SendVerdict.NotSent);
        }
        while (Volatile.Read(ref inFlight) > 0)
        {
            await flushed.WaitAsync(options.FlushInterval * 2);
            while (needNextCredential.TryDequeue(out var item))
            {
                Report(item, SendVerdict.NotSent);
            }
        }
    }

    private void Report(WorkItem item, SendVerdict verdict, TakenDelivery? withHeldCredential = null)
    {
        if (withHeldCredential?.CredentialId is { } id)
        {
            item.Credential = new HeldCredential(id, item.Recipient, null, null);
        }
        Interlocked.Increment(ref unwritten);
        outcomes.Writer.TryWrite((item, verdict));
        if (batchDue.CurrentCount == 0 && BatchDue())
        {
            try { batchDue.Release(); } catch (SemaphoreFullException) { }
        }
    }

    private async Task SendAsync(StopSignal stop, CancellationToken abort)
    {
        await foreach (var item in toSend.Reader.ReadAllAsync(CancellationToken.None))
        {
            if (Interlocked.Decrement(ref queued) == batchSize && room.CurrentCount == 0)
            {
                try { room.Release(); } catch (SemaphoreFullException) { }
            }
            if (stop.IsStopped)
            {
                Report(item, SendVerdict.NotSent);
                continue;
            }
            SendVerdict verdict;
            try
            {
                // After a 45011 every run of the account waits out the pause, then goes on (a stop ends the wait).
                if (pauses.Remaining(account.Id) > TimeSpan.Zero)
                {
                    using var waitEnd = CancellationTokenSource.CreateLinkedTokenSource(stop.Token, abort);
                    try
                    {
                        await pauses.WaitAsync(account.Id, waitEnd.Token);
                    }
                    catch (OperationCanceledException) when (!abort.IsCancellationRequested)
                    {
                        Report(item, SendVerdict.NotSent);
                        continue;
                    }
                }
                var outcome = await item.Message.SendAsync(client, item.Recipient, item.Credential?.Value, Delivery.ClientMsgIdOf(item.Id), abort);
                verdict = verdicts.Judge(outcome, item);
            }
            catch (OperationCanceledException)
            {
                // The node is shutting down: put back; a resend reuses credential and client_msg_id.
                verdict = SendVerdict.NotSent;
            }
            catch (Exception e)
            {
                verdict = item.Attempts < options.MaxAttempts
                    ? new SendVerdict(VerdictKind.Requeue, -1, e.Message)
                    : new SendVerdict(VerdictKind.Failed, -1, e.Message, Credential: CredentialVerdict.Release);
            }
            if (verdict.Stop is { } request)
            {
                stop.Request(request);
            }
            if (verdict.PauseAccount)
            {
                pauses.Pause(account.Id, options.MinuteLimitBackoff);
            }
            Report(item, verdict);
        }
    }

    private async Task WriteAsync(StopSignal stop)
    {
        var reader = outcomes.Reader;
        var batch = new List<(WorkItem Item, SendVerdict Verdict)>(options.BatchSize);
        while (await reader.WaitToReadAsync())
        {
            // Gather for up to one flush interval or one batch, whichever comes first; when every row out has
            // reported (the end of a run, a one-recipient run) nothing else is coming: write now. The writer sleeps
            // until then instead of waking for each outcome, which at thousands of sends a second cost more than the
            // write itself.
            batchDue.Wait(0);
            if (!BatchDue())
            {
                await batchDue.WaitAsync(options.FlushInterval);
            }
            while (batch.Count < options.BatchSize && reader.TryRead(out var outcome))
            {
                batch.Add(outcome);
            }
            Interlocked.Add(ref unwritten, -batch.Count);
            if (batch.Count > 0)
            {
                await FlushAsync(batch, stop);
                batch.Clear();
            }
        }
    }

    private bool BatchDue()
    {
        var waiting = Volatile.Read(ref unwritten);
        return waiting >= options.BatchSize || waiting >= Volatile.Read(ref inFlight);
    }

    private async Task FlushAsync(List<(WorkItem Item, SendVerdict Verdict)> batch, StopSignal stop)
    {
        var updates = new List<DeliveryUpdate>(batch.Count);
        var settlements = new List<CredentialSettlement>();
        var retry = new List<WorkItem>();
        foreach (var (item, verdict) in batch)
        {
            if (verdict.Credential is { } credentialVerdict && item.Credential is { } credential)
            {
                settlements.Add(new CredentialSettlement(credential, credentialVerdict));
            }
            switch (verdict.Kind)
            {
                case VerdictKind.Sent:
                    Interlocked.Increment(ref sent);
                    updates.Add(new DeliveryUpdate(item.Id, DeliveryStatus.Sent, MsgId: verdict.MsgId));
                    break;
                case VerdictKind.Failed:
                    Interlocked.Increment(ref failed);
                    updates.Add(new DeliveryUpdate(item.Id, DeliveryStatus.Failed, ErrCode: verdict.ErrCode, ErrMsg: verdict.ErrMsg));
                    break;
                case VerdictKind.Skipped:
                    Interlocked.Increment(ref skipped);
                    updates.Add(new DeliveryUpdate(item.Id, DeliveryStatus.Skipped, verdict.SkipReason));
                    break;
                case VerdictKind.Requeue:
                    // The last error stays on the row while it waits, so the run detail says why.
                    updates.Add(new DeliveryUpdate(item.Id, DeliveryStatus.Pending, ErrCode: verdict.ErrCode ?? item.LastErrCode,
                        ErrMsg: verdict.ErrMsg ?? item.LastErrMsg, DetachCredential: item.CredentialSpent));
                    break;
                case VerdictKind.NextCredential:
                    item.LastErrCode = verdict.ErrCode;
                    item.LastErrMsg = verdict.ErrMsg;
                    item.CredentialSpent = true;
                    retry.Add(item);
                    break;
            }
        }
        try
        {
            // Writes must land even when the node is stopping: they record what was already sent.
            var written = await ledger.UpdateAsync(updates, runs.OneRowRuns, CancellationToken.None);
            if (settlements.Count > 0)
            {
                await credentials.SettleAsync(settlements, CancellationToken.None);
            }
            if (written.Count > 0)
            {
                recorded?.Invoke(written);
            }
        }
        catch (Exception e)
        {
            // An unreachable database interrupts the execution (the run goes on when it is back); anything else fails it.
            stop.Request(DatabaseErrors.IsUnreachable(e)
                ? new RunStop(RunStopKind.Interrupted, ServiceText.Stored("Run.DatabaseUnreachable", RunStop.Brief(e)))
                : new RunStop(RunStopKind.Fail, ServiceText.Stored("Run.OutcomeWriteFailed", RunStop.Brief(e))));
            // Rows stay in Sending; after AbandonedAfter they are requeued and resent with their credential.
        }
        Interlocked.Add(ref pendingAgain, updates.Count(u => u.Status == DeliveryStatus.Pending));
        // Only now, with the old credential settled, may the user's next one be claimed.
        foreach (var item in retry)
        {
            needNextCredential.Enqueue(item);
        }
        Interlocked.Add(ref inFlight, -(batch.Count - retry.Count));
        if (flushed.CurrentCount == 0)
        {
            try { flushed.Release(); } catch (SemaphoreFullException) { }
        }
    }
}
