using Microsoft.EntityFrameworkCore;
using PushConsole.Ledger;
using PushConsole.Persistence;

namespace PushConsole.Messages;

/// <summary>Which messages the console's list shows.</summary>
public sealed record MessageFilter(int? AccountId = null, string? OpenId = null, int? TemplateId = null, MessageState? State = null,
    DateTimeOffset? From = null, DateTimeOffset? Until = null);

public sealed record MessagePage(IReadOnlyList<MessageStatus> Rows, int Total);

/// <summary>Transactional messages with their outcome, read from their ledger rows (the list, the user lookup, the status route).</summary>
public sealed class MessageQueries(IDbContextFactory<PushConsoleDbContext> contexts)
{
    public async Task<MessageStatus?> FindAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await Joined(db).Where(j => j.Message.Id == id).SingleOrDefaultAsync(cancellationToken);
        return row is null ? null : StatusOf(row);
    }

    /// <summary>The message a run sends; null when the run is not a message's.</summary>
    public async Task<MessageStatus?> FindByRunAsync(long runId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await Joined(db).Where(j => j.Message.RunId == runId).SingleOrDefaultAsync(cancellationToken);
        return row is null ? null : StatusOf(row);
    }

    /// <summary>A page of messages, newest first.</summary>
    public async Task<MessagePage> ListAsync(MessageFilter filter, int skip, int take, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = Joined(db);
        if (filter.AccountId is { } accountId)
        {
            query = query.Where(j => j.Message.AccountId == accountId);
        }
        if (!string.IsNullOrWhiteSpace(filter.OpenId))
        {
            var openId = filter.OpenId.Trim();
            query = query.Where(j => j.Message.OpenId == openId);
        }
        if (filter.TemplateId is { } templateId)
        {
            query = query.Where(j => j.Message.TemplateId == templateId);
        }
        if (filter.From is { } from)
        {
            query = query.Where(j => j.Message.CreatedAt >= from);
        }
        if (filter.Until is { } until)
        {
            query = query.Where(j => j.Message.CreatedAt < until);
        }
        query = filter.State switch
        {
            MessageState.Sent => query.Where(j => j.Status == DeliveryStatus.Sent),
            MessageState.Failed => query.Where(j => j.Status == DeliveryStatus.Failed
                || (j.RunStatus == RunStatus.Failed && (j.Status == null || j.Status == DeliveryStatus.Pending || j.Status == DeliveryStatus.Sending))),
            MessageState.NoCredential => query.Where(j => j.Status == DeliveryStatus.Skipped && j.SkipReason == SkipReason.NoCredential),
            MessageState.Canceled => query.Where(j => (j.Status == DeliveryStatus.Skipped && j.SkipReason != SkipReason.NoCredential)
                || (j.RunStatus == RunStatus.Canceled && j.Status != DeliveryStatus.Sent && j.Status != DeliveryStatus.Failed)),
            MessageState.Sending => query.Where(j => j.Status == DeliveryStatus.Sending && j.RunStatus != RunStatus.Failed && j.RunStatus != RunStatus.Canceled),
            MessageState.Accepted => query.Where(j => (j.Status == null || j.Status == DeliveryStatus.Pending)
                && j.RunStatus != RunStatus.Failed && j.RunStatus != RunStatus.Canceled),
            _ => query,
        };
        var total = await query.CountAsync(cancellationToken);
        var rows = await query.OrderByDescending(j => j.Message.Id).Skip(skip).Take(take).ToListAsync(cancellationToken);
        return new MessagePage(rows.Select(StatusOf).ToList(), total);
    }

    /// <summary>Each message with its run and ledger row (none yet in the moment between the message's insert and its run).</summary>
    private static IQueryable<MessageJoin> Joined(PushConsoleDbContext db) =>
        from t in db.Set<TransactionalMessage>().AsNoTracking()
        from r in db.DeliveryRuns.Where(r => r.Id == t.RunId).DefaultIfEmpty()
        from d in db.Deliveries.Where(d => d.RunId == t.RunId).DefaultIfEmpty()
        select new MessageJoin
        {
            Message = t,
            RunStatus = (RunStatus?)r.Status,
            RunReason = r.StatusReason,
            RunFinished = r.FinishedAt,
            Status = (DeliveryStatus?)d.Status,
            SkipReason = (SkipReason?)d.SkipReason,
            ErrCode = d.ErrCode,
            ErrMsg = d.ErrMsg,
            MsgId = d.MsgId,
            FinishedAt = d.FinishedAt,
        };

    private static MessageStatus StatusOf(MessageJoin row)
    {
        var (state, errCode, errMsg) = MessageStatus.Of(row.Status, row.SkipReason ?? SkipReason.None, row.ErrCode, row.ErrMsg, row.RunStatus,
            row.RunReason);
        var m = row.Message;
        return new MessageStatus(m.Id, m.AccountId, m.TemplateId, m.OpenId, state, state == MessageState.Sent ? row.MsgId : null,
            errCode, errMsg, MessageStatus.MeaningOf(state, errCode), m.IdempotencyKey, m.CreatedAt, row.FinishedAt ?? row.RunFinished, m.RunId);
    }

    private sealed class MessageJoin
    {
        public TransactionalMessage Message { get; init; } = null!;
        public RunStatus? RunStatus { get; init; }
        public string? RunReason { get; init; }
        public DateTimeOffset? RunFinished { get; init; }
        public DeliveryStatus? Status { get; init; }
        public SkipReason? SkipReason { get; init; }
        public int? ErrCode { get; init; }
        public string? ErrMsg { get; init; }
        public long? MsgId { get; init; }
        public DateTimeOffset? FinishedAt { get; init; }
    }
}
