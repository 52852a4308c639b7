using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using PushConsole.Accounts;
using PushConsole.Credentials;
using PushConsole.Ledger;
using PushConsole.Persistence;
using PushConsole.Sending;
using PushConsole.Templates;
using PushConsole.WeChat;

namespace PushConsole.Messages;

/// <summary>What became of a request to send a message.</summary>
public sealed record MessageAcceptance(
    MessageStatus? Message,
    IReadOnlyDictionary<string, string> Errors,
    // The Idempotency-Key named an earlier message: this is it, nothing new was sent.
    bool Replayed = false,
    // The Idempotency-Key was used within its window for a different request.
    bool KeyReusedForAnotherRequest = false);

/// <summary>
/// Transactional messages: the app's backend notifies one user now. Each message is a one-recipient run of the send
/// engine (<see cref="RunExecutor"/>) with its ledger row, so the credential is chosen, spent and settled exactly as a
/// campaign does, and the ledger decides whether it may go out. The Idempotency-Key is a unique key in the database:
/// retries, concurrent calls and other nodes with the same key find the first message. Messages are recorded through
/// their account's lane (<see cref="MessageLanes"/>): concurrent messages share one commit.
/// </summary>
public sealed class TransactionalMessages(
    IDbContextFactory<PushConsoleDbContext> contexts,
    MessageRequestValidator validator,
    DeliveryLedger ledger,
    MessageLanes lanes,
    RunExecutor executor,
    MessageQueries queries,
    MessageOutcomes outcomes,
    IOptions<MessageOptions> options,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<TransactionalMessages> logger)
{
    private readonly MessageOptions settings = options.Value;
    // Sends under way on this node, so a caller waiting here learns the outcome the moment it is written: the task ends
    // with the message's ledger row as the outcome writer wrote it (final), or with null when the send ended otherwise
    // (the row is then read).
    private readonly ConcurrentDictionary<long, Task<RecordedDelivery?>> sending = new();
    // Messages recorded on this node and waiting to be sent, per account: the second half of the lane (see SendLane).
    private readonly ConcurrentDictionary<int, SendLane> sendLanes = new();

    public MessageOptions Options => settings;

    /// <summary>
    /// Validates, records and starts the message (or finds the one the key names). A user without a usable credential
    /// gets a message recorded as <see cref="MessageState.NoCredential"/> and nothing is sent.
    /// </summary>
    public async Task<MessageAcceptance> AcceptAsync(MessageRequest? request, string? idempotencyKey, string requestedBy,
        CancellationToken cancellationToken)
    {
        var key = string.IsNullOrWhiteSpace(idempotencyKey) ? null : idempotencyKey.Trim();
        if (key is { Length: > TransactionalMessage.MaxIdempotencyKeyLength } || key?.Any(c => c < '!' || c > '~') == true)
        {
            return new MessageAcceptance(null, new Dictionary<string, string>
            {
                ["Idempotency-Key"] = ServiceText.Get("MessageRequest.IdempotencyKey", TransactionalMessage.MaxIdempotencyKeyLength),
            });
        }
        var (draft, errors) = await validator.ValidateAsync(request, cancellationToken);
        if (draft is null)
        {
            return new MessageAcceptance(null, errors);
        }
        var (message, existing, holdsCredential) = await lanes.RecordAsync(draft, key, requestedBy);
        if (existing is not null)
        {
            return existing.RequestHash == draft.Hash
                ? new MessageAcceptance(await StatusAsync(existing.Id, cancellationToken), errors, Replayed: true)
                : new MessageAcceptance(await StatusAsync(existing.Id, cancellationToken), errors, KeyReusedForAnotherRequest: true);
        }
        var runId = message!.RunId!.Value;
        var messageId = message!.Id;
        if (!holdsCredential)
        {
            await RecordNoCredentialAsync(runId, CancellationToken.None);
            await FinishedAsync(messageId);
            return new MessageAcceptance(await StatusAsync(messageId, CancellationToken.None), errors);
        }
        Enqueue(message);
        // Just recorded and handed to its sender: accepted, as a read would say (the caller may wait for the outcome).
        return new MessageAcceptance(new MessageStatus(messageId, message.AccountId, message.TemplateId, message.OpenId, MessageState.Accepted,
            null, null, null, MessageStatus.MeaningOf(MessageState.Accepted, null), message.IdempotencyKey, message.CreatedAt, null, runId), errors);
    }

    /// <summary>The message and its outcome; null when there is none with this id.</summary>
    public Task<MessageStatus?> StatusAsync(long id, CancellationToken cancellationToken) => queries.FindAsync(id, cancellationToken);

    /// <summary>The message's status once it is final, or as it is when <paramref name="wait"/> has passed.</summary>
    public async Task<MessageStatus?> WaitAsync(long id, TimeSpan wait, CancellationToken cancellationToken) =>
        await WaitAsync(id, null, wait, cancellationToken);

    /// <summary>
    /// As <see cref="WaitAsync(long, TimeSpan, CancellationToken)"/>; when this node sends <paramref name="message"/>, its
    /// outcome is answered as the outcome writer wrote it, without reading it back.
    /// </summary>
    public async Task<MessageStatus?> WaitAsync(long id, MessageStatus? message, TimeSpan wait, CancellationToken cancellationToken)
    {
        var until = time.GetUtcNow() + wait;
        if (sending.TryGetValue(id, out var local))
        {
            // Sent from this node: its end is the moment to read the outcome, not before.
            await Task.WhenAny(local, Task.Delay(wait, time, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
            if (message is not null && local.IsCompletedSuccessfully && local.Result is { } row)
            {
                // Built here, not where it was written: its texts are in the caller's language.
                var (state, errCode, errMsg) = MessageStatus.Of(row.Status, row.SkipReason, row.ErrCode, row.ErrMsg, null, null);
                return message with
                {
                    State = state, MsgId = row.MsgId, ErrCode = errCode, ErrMsg = errMsg, Meaning = MessageStatus.MeaningOf(state, errCode),
                    FinishedAt = row.FinishedAt,
                };
            }
        }
        while (true)
        {
            var status = await StatusAsync(id, cancellationToken);
            var left = until - time.GetUtcNow();
            if (status is null || status.Final || left <= TimeSpan.Zero)
            {
                return status;
            }
            if (sending.TryGetValue(id, out var underway))
            {
                // Sent from this node: its end is the moment to look again.
                await Task.WhenAny(underway, Task.Delay(left, time, cancellationToken));
                cancellationToken.ThrowIfCancellationRequested();
            }
            else
            {
                // Sent from another node (a retry that came here): look again shortly.
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(50, Math.Max(1, left.TotalMilliseconds))), time, cancellationToken);
            }
        }
    }

    /// <summary>What the message's user holds now for its template (why a message found no credential).</summary>
    public async Task<CredentialHoldings?> HoldingsAsync(MessageStatus message, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var template = await db.Templates.AsNoTracking().SingleOrDefaultAsync(t => t.Id == message.TemplateId, cancellationToken);
        return template is null ? null : await HoldingsAsync(message.AccountId, message.OpenId, template, cancellationToken);
    }

    /// <summary>What the user holds for the template's need, counted the way the pool's claim sees it.</summary>
    public async Task<CredentialHoldings> HoldingsAsync(int accountId, string openId, MessageTemplate template, CancellationToken cancellationToken)
    {
        var need = CredentialNeed.Of(template);
        var now = time.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var held = await db.Credentials.AsNoTracking().Where(c => c.AccountId == accountId && c.OpenId == openId).OrderBy(c => c.Id)
            .Select(c => new { c.Kind, c.Status, c.TemplateId, c.UsesLeft, c.ExpiresAt }).Take(10_000).ToListAsync(cancellationToken);
        bool Usable(CredentialStatus status, int usesLeft, DateTimeOffset? expiresAt) =>
            status == CredentialStatus.Available && usesLeft > 0 && (expiresAt is null || expiresAt > now);
        var fits = need.GrantTemplateId is { } templateId
            ? held.Where(c => c.Kind == CredentialKind.SubscribeGrant && c.TemplateId == templateId).ToList()
            : held.Where(c => c.TemplateId is null).ToList();
        var otherGrants = held.Count(c => c.Kind == CredentialKind.SubscribeGrant && c.TemplateId != need.GrantTemplateId
            && Usable(c.Status, c.UsesLeft, c.ExpiresAt));
        return new CredentialHoldings(
            need.GrantTemplateId is null ? ServiceText.Get("Needs.FormId") : ServiceText.Get("Needs.Grant", template.Title),
            fits.Count(c => Usable(c.Status, c.UsesLeft, c.ExpiresAt)),
            fits.Count(c => c.Status == CredentialStatus.Expired || (c.Status == CredentialStatus.Available && c.ExpiresAt <= now)),
            fits.Count(c => c.Status == CredentialStatus.Used || (c.Status == CredentialStatus.Available && c.UsesLeft <= 0)),
            fits.Count(c => c.Status == CredentialStatus.Invalid),
            otherGrants);
    }

    /// <summary>
    /// Creates the run and ledger row of a message recorded without them (before they were written in the message's
    /// own transaction); a second call (recovery) finds them.
    /// </summary>
    private async Task<long> OpenRunAsync(TransactionalMessage message, Accounts.WeChatAccount account, CancellationToken cancellationToken)
    {
        var run = await ledger.OpenRunAsync(MessageLanes.RunOf(message, time.GetUtcNow()), cancellationToken);
        await ledger.AddRecipientsAsync(run, [message.OpenId], MessageLanes.DayOf(account, time.GetUtcNow()), cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.Set<TransactionalMessage>().Where(m => m.Id == message.Id && m.RunId == null)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.RunId, run.Id), cancellationToken);
        message.RunId = run.Id;
        return run.Id;
    }

    /// <summary>Nothing to send with: the row is skipped for that reason and the run is done, as the engine would end it.</summary>
    private async Task RecordNoCredentialAsync(long runId, CancellationToken cancellationToken)
    {
        await ledger.SkipPendingAsync(runId, SkipReason.NoCredential, cancellationToken);
        var now = time.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.DeliveryRuns.Where(r => r.Id == runId && (r.Status == RunStatus.Pending || r.Status == RunStatus.Running))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Completed).SetProperty(r => r.FinishedAt, now)
                .SetProperty(r => r.StatusReason, ServiceText.Stored("Message.NoCredential")).SetProperty(r => r.Version, r => r.Version + 1), cancellationToken);
        // As the engine ends a run: its tally made exact from its rows.
        await ledger.RecountAsync(runId, cancellationToken);
    }

    /// <summary>
    /// The second half of the lane: messages recorded on this node wait in their account's send lane, and each of the
    /// lane's senders takes everything waiting and sends it as one execution of the engine per template
    /// (<see cref="RunExecutor.ExecuteManyAsync"/>), so a crowd of messages costs the commits of a few. There is no fixed
    /// delay: a lone message goes at once, and while a batch is sent the next one gathers.
    /// </summary>
    private sealed class SendLane
    {
        public readonly Lock Gate = new();
        public List<(TransactionalMessage Message, TaskCompletionSource<RecordedDelivery?> Outcome)> Waiting = [];
        public int Senders;
    }

    /// <summary>Sends the message just recorded, with those recorded beside it, in the background of this node (the caller's request may end first).</summary>
    private void Enqueue(TransactionalMessage message)
    {
        var outcome = new TaskCompletionSource<RecordedDelivery?>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!sending.TryAdd(message.Id, outcome.Task))
        {
            return;
        }
        var lane = sendLanes.GetOrAdd(message.AccountId, _ => new SendLane());
        bool start;
        lock (lane.Gate)
        {
            lane.Waiting.Add((message, outcome));
            start = lane.Senders < settings.SendersPerAccount;
            if (start)
            {
                lane.Senders++;
            }
        }
        if (start)
        {
            _ = Task.Run(() => DrainAsync(lane), CancellationToken.None);
        }
    }

    private async Task DrainAsync(SendLane lane)
    {
        while (true)
        {
            List<(TransactionalMessage Message, TaskCompletionSource<RecordedDelivery?> Outcome)> batch;
            lock (lane.Gate)
            {
                if (lane.Waiting.Count == 0)
                {
                    lane.Senders--;
                    return;
                }
                batch = lane.Waiting;
                lane.Waiting = [];
            }
            await Task.WhenAll(batch.GroupBy(m => m.Message.TemplateId).Select(t => SendTogetherAsync(t.ToList())));
        }
    }

    /// <summary>
    /// One execution of the engine for messages of one template, again for those the engine asks to go on at once (as
    /// <see cref="SendAsync"/> does for one). A waiting caller learns its message's outcome the moment its row is written.
    /// </summary>
    private async Task SendTogetherAsync(List<(TransactionalMessage Message, TaskCompletionSource<RecordedDelivery?> Outcome)> batch)
    {
        var byRun = batch.ToDictionary(m => m.Message.RunId!.Value);
        void Recorded(IReadOnlyList<RecordedDelivery> rows)
        {
            foreach (var row in rows)
            {
                if (row.Status is DeliveryStatus.Sent or DeliveryStatus.Failed or DeliveryStatus.Skipped && byRun.TryGetValue(row.RunId, out var m))
                {
                    m.Outcome.TrySetResult(row);
                }
            }
        }
        try
        {
            var runs = byRun.Keys.ToList();
            for (var round = 0; round < 10 && runs.Count > 0; round++)
            {
                var executions = await executor.ExecuteManyAsync(runs, Recorded, lifetime.ApplicationStopping);
                var now = time.GetUtcNow();
                var again = executions.Where(e => e.Value.Status == RunStatus.Running && e.Value.WakeAt is { } wake
                    && wake - now <= TimeSpan.FromSeconds(5)).ToList();
                runs = again.Select(e => e.Key).ToList();
                if (again.Count > 0 && again.Max(e => e.Value.WakeAt!.Value) is var until && until > now)
                {
                    await Task.Delay(until - now, time, lifetime.ApplicationStopping);
                }
            }
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // The node stops; recovery on this or another node sends them.
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Sending {Count} transactional message(s) failed; recovery tries again", batch.Count);
        }
        finally
        {
            foreach (var (message, outcome) in batch)
            {
                outcome.TrySetResult(null);
                sending.TryRemove(message.Id, out _);
            }
        }
    }

    /// <summary>Sends the message alone in the background of this node (recovery: read from the database first).</summary>
    internal void Start(long messageId)
    {
        var started = new TaskCompletionSource();
        var task = Task.Run<RecordedDelivery?>(async () =>
        {
            await started.Task;
            try
            {
                await SendAsync(messageId, lifetime.ApplicationStopping);
            }
            catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
            {
                // The node stops; recovery on this or another node sends it.
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Sending transactional message {MessageId} failed; recovery tries again", messageId);
            }
            finally
            {
                sending.TryRemove(messageId, out _);
            }
            return null;
        });
        if (sending.TryAdd(messageId, task))
        {
            started.SetResult();
        }
        else
        {
            // Already under way on this node (recovery met a live send).
            started.SetCanceled();
        }
    }

    /// <summary>Once the outcome is final, its callback is recorded (once per message, whichever node gets here).</summary>
    internal async Task FinishedAsync(long messageId)
    {
        if (await StatusAsync(messageId, CancellationToken.None) is { Final: true } status)
        {
            await outcomes.FinishedAsync(status, CancellationToken.None);
        }
    }

    internal bool IsSending(long messageId) => sending.ContainsKey(messageId);

    /// <summary>
    /// Executes the message's run through the engine (<see cref="MessageRunOwner"/> gives it the message and its
    /// rules, and records the callback when it ends), again while the engine asks to go on at once. A run held for
    /// longer (WeChat's quota) is left to recovery.
    /// </summary>
    private async Task SendAsync(long messageId, CancellationToken cancellationToken)
    {
        TransactionalMessage? message;
        Accounts.WeChatAccount? account;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            message = await db.Set<TransactionalMessage>().AsNoTracking().SingleOrDefaultAsync(m => m.Id == messageId, cancellationToken);
            account = message is null ? null : await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == message.AccountId, cancellationToken);
        }
        if (message is null || account is null)
        {
            return;
        }
        var runId = message.RunId ?? await OpenRunAsync(message, account, cancellationToken);
        for (var round = 0; round < 10; round++)
        {
            var execution = await executor.ExecuteAsync(runId, cancellationToken);
            if (execution.Status != RunStatus.Running || execution.WakeAt is not { } wake || wake - time.GetUtcNow() > TimeSpan.FromSeconds(5))
            {
                break;
            }
            if (wake > time.GetUtcNow())
            {
                await Task.Delay(wake - time.GetUtcNow(), time, cancellationToken);
            }
        }
    }
}
