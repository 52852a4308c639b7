using Microsoft.EntityFrameworkCore;
using PushConsole.Accounts;
using PushConsole.Credentials;
using PushConsole.Ledger;
using PushConsole.Persistence;
using PushConsole.Sending;

namespace PushConsole.Messages;

/// <summary>
/// The intake of transactional messages, one lane per account with group commit: a request enqueues its message in
/// its account's lane and awaits its record; the lane's loop takes everything waiting and records it in one
/// transaction — the messages (their Idempotency-Keys unique), their runs, tallies and ledger rows — so concurrent
/// messages to one account share one commit instead of paying one each. There is no fixed delay: while one batch
/// commits, the next one gathers, so a lone message is recorded at once and a crowd in as few commits as the
/// database's commit time allows. Every message keeps its own row, run, ledger row and key.
/// </summary>
public sealed class MessageLanes(
    IDbContextFactory<PushConsoleDbContext> contexts,
    DeliveryLedger ledger,
    WriteGate writes,
    IOptions<MessageOptions> options,
    TimeProvider time,
    ILogger<MessageLanes> logger)
{
    /// <summary>A message waiting in its lane; its record (or the key's earlier message) completes it.</summary>
    private sealed record Entry(MessageDraft Draft, string? Key, string RequestedBy)
    {
        public TaskCompletionSource<LaneRecord> Recorded { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Lane
    {
        public readonly object Gate = new();
        public List<Entry> Waiting = [];
        public bool Draining;
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, Lane> lanes = new();
    private long commits;

    /// <summary>Batches committed by the lanes of this node (each one transaction, however many messages it recorded).</summary>
    public long Commits => Interlocked.Read(ref commits);

    /// <summary>Messages waiting in the account's lane for the next batch (a test holds a batch back with it).</summary>
    internal int Waiting(int accountId)
    {
        if (!lanes.TryGetValue(accountId, out var lane))
        {
            return 0;
        }
        lock (lane.Gate)
        {
            return lane.Waiting.Count;
        }
    }

    /// <summary>
    /// Records the message in its account's lane, or finds the message its key already names (recorded earlier, on
    /// any node, or in the same batch by a concurrent call).
    /// </summary>
    public Task<LaneRecord> RecordAsync(MessageDraft draft, string? key, string requestedBy)
    {
        var entry = new Entry(draft, key, requestedBy);
        var lane = lanes.GetOrAdd(draft.Account.Id, _ => new Lane());
        bool start;
        lock (lane.Gate)
        {
            lane.Waiting.Add(entry);
            start = !lane.Draining;
            lane.Draining = true;
        }
        if (start)
        {
            _ = Task.Run(() => DrainAsync(lane), CancellationToken.None);
        }
        // Not cancellable by the caller: once in the lane the message is recorded with its batch and its caller goes on
        // to start its send, as a recorded message's send always went on when its request ended.
        return entry.Recorded.Task;
    }

    private async Task DrainAsync(Lane lane)
    {
        while (true)
        {
            List<Entry> batch;
            lock (lane.Gate)
            {
                if (lane.Waiting.Count == 0)
                {
                    lane.Draining = false;
                    return;
                }
                batch = lane.Waiting;
                lane.Waiting = [];
            }
            try
            {
                await CommitAsync(batch);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Recording {Count} transactional message(s) failed", batch.Count);
                foreach (var entry in batch)
                {
                    entry.Recorded.TrySetException(e);
                }
            }
        }
    }

    /// <summary>
    /// One transaction for the batch. Within it, calls with the same key are one message (the first call's); a key
    /// recorded before is answered with its message; a key older than the window is taken off its message first (only
    /// by whoever still finds it there), so the insert is the key's new first message. When another node inserted one
    /// of the keys meanwhile, the unique key refuses the whole batch and the batch is tried again: then it finds it.
    /// </summary>
    private async Task CommitAsync(List<Entry> batch)
    {
        // Calls with the same key in one batch: the first records, the others get its message.
        var leaders = new List<Entry>(batch.Count);
        var followers = new List<(Entry Follower, Entry Leader)>();
        var byKey = new Dictionary<string, Entry>(StringComparer.Ordinal);
        foreach (var entry in batch)
        {
            if (entry.Key is { } key && byKey.TryGetValue(key, out var leader))
            {
                followers.Add((entry, leader));
                continue;
            }
            if (entry.Key is { } first)
            {
                byKey[first] = entry;
            }
            leaders.Add(entry);
        }
        var account = batch[0].Draft.Account;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var results = await TryCommitAsync(account, leaders);
                foreach (var entry in leaders)
                {
                    entry.Recorded.TrySetResult(results[entry]);
                }
                foreach (var (follower, leader) in followers)
                {
                    var record = results[leader];
                    follower.Recorded.TrySetResult(new LaneRecord(null, record.Created ?? record.Existing, record.HoldsCredential));
                }
                return;
            }
            catch (DbUpdateException) when (byKey.Count > 0 && attempt < 3)
            {
                // Another node inserted one of these keys first (the ledger store reports the provider's unique violation
                // as a DbUpdateException): the next attempt finds its message.
            }
        }
    }

    private async Task<Dictionary<Entry, LaneRecord>> TryCommitAsync(WeChatAccount account, List<Entry> entries)
    {
        var settings = options.Value;
        var results = new Dictionary<Entry, LaneRecord>();
        var now = time.GetUtcNow();
        using var turn = await writes.EnterAsync(CancellationToken.None);
        await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        var keys = entries.Where(e => e.Key is not null).Select(e => e.Key!).ToList();
        if (keys.Count > 0)
        {
            var existing = await db.Set<TransactionalMessage>().AsNoTracking()
                .Where(m => m.AccountId == account.Id && keys.Contains(m.IdempotencyKey!)).ToListAsync(CancellationToken.None);
            var expired = new List<long>();
            foreach (var found in existing)
            {
                var entry = entries.First(e => e.Key == found.IdempotencyKey);
                if (found.CreatedAt > now - settings.IdempotencyWindow)
                {
                    results[entry] = new LaneRecord(null, found);
                }
                else
                {
                    expired.Add(found.Id);
                }
            }
            if (expired.Count > 0)
            {
                await db.Set<TransactionalMessage>().Where(m => expired.Contains(m.Id) && m.IdempotencyKey != null)
                    .ExecuteUpdateAsync(s => s.SetProperty(m => m.IdempotencyKey, (string?)null), CancellationToken.None);
            }
        }
        var created = entries.Where(e => !results.ContainsKey(e)).Select(e => (Entry: e, Message: new TransactionalMessage
        {
            AccountId = account.Id, TemplateId = e.Draft.Template.Id, OpenId = e.Draft.OpenId, IdempotencyKey = e.Key,
            RequestHash = e.Draft.Hash, Payload = e.Draft.Payload.ToJson(), RequestedBy = e.RequestedBy, CreatedAt = now,
        })).ToList();
        if (created.Count > 0)
        {
            await ledger.OpenMessagesInAsync(db, created.Select(c => c.Message).ToList(), m => RunOf(m, now), DayOf(account, now),
                CancellationToken.None);
            var holders = await HoldersAsync(db, account.Id, created.Select(c => c.Entry.Draft).ToList(), now);
            for (var i = 0; i < created.Count; i++)
            {
                var need = CredentialNeed.Of(created[i].Entry.Draft.Template);
                results[created[i].Entry] = new LaneRecord(created[i].Message, null,
                    !need.Required || holders.Contains((need.Demand, created[i].Message.OpenId)));
            }
        }
        await transaction.CommitAsync(CancellationToken.None);
        Interlocked.Increment(ref commits);
        return results;
    }

    /// <summary>
    /// The users of the batch who hold a credential their message could use now, in one read per kind of credential
    /// asked for (instead of one per message). A holder may still find none when its send claims (another send took
    /// it meanwhile): the engine then skips the row for that reason, as for a campaign.
    /// </summary>
    private static async Task<HashSet<(CredentialDemand Demand, string OpenId)>> HoldersAsync(PushConsoleDbContext db, int accountId,
        List<MessageDraft> drafts, DateTimeOffset now)
    {
        var holders = new HashSet<(CredentialDemand, string)>();
        var asked = drafts.Select(d => (Need: CredentialNeed.Of(d.Template), d.OpenId)).Where(d => d.Need.Required);
        foreach (var demand in asked.GroupBy(d => d.Need.Demand, d => d.OpenId))
        {
            var openIds = demand.Distinct().ToList();
            var found = await CredentialPool.Usable(db, accountId, demand.Key, now).Where(c => openIds.Contains(c.OpenId))
                .Select(c => c.OpenId).Distinct().ToListAsync(CancellationToken.None);
            holders.UnionWith(found.Select(openId => (demand.Key, openId)));
        }
        return holders;
    }

    /// <summary>
    /// A message's run, started as it is opened: its sender is the node that recorded it, at once, and a move from Pending
    /// to Running would cost the send a commit of its own. Recovery treats it as it treats a Pending run.
    /// </summary>
    internal static DeliveryRun RunOf(TransactionalMessage message, DateTimeOffset now) => new()
    {
        Kind = RunKind.Message, FireKey = TransactionalMessage.FireKeyOf(message.Id), Name = $"Message {message.Id}",
        AccountId = message.AccountId, TemplateId = message.TemplateId, Status = RunStatus.Running, StartedAt = now, ExpectedTotal = 1,
        AudienceComplete = true,
    };

    /// <summary>The account's local day (its row counts toward it); UTC's when the account's zone is unknown (the run then fails and says why).</summary>
    internal static DateOnly DayOf(WeChatAccount account, DateTimeOffset now) =>
        AccountCalendar.Resolve(account.TimeZone) is null ? DateOnly.FromDateTime(now.UtcDateTime) : AccountCalendar.Of(account).DayOf(now);
}

/// <summary>
/// A message recorded by its lane, or the earlier message its Idempotency-Key names. <paramref name="HoldsCredential"/>:
/// the user held a credential the new message could use when it was recorded (always true when it needs none).
/// </summary>
public sealed record LaneRecord(TransactionalMessage? Created, TransactionalMessage? Existing, bool HoldsCredential = true);
