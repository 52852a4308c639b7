using Microsoft.EntityFrameworkCore;
using PushConsole.Credentials;
using PushConsole.Ledger;
using PushConsole.Messages;
using PushConsole.Persistence;

namespace PushConsole.Outcomes;

/// <summary>A credential of one user as the lookup shows it: what it allows, until when, and whether it can still be used.</summary>
public sealed record RecipientCredential(long Id, CredentialKind Kind, CredentialStatus Status, string? TemplateTitle, int UsesLeft,
    DateTimeOffset ReceivedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? ClosedAt, bool Usable);

/// <summary>
/// One ledger row of one user: which run, when, and how it ended. A transactional message's row names the message
/// (<see cref="MessageId"/>) and its outcome as the message API reports it (<see cref="MessageState"/>).
/// </summary>
public sealed record RecipientDelivery(long Id, long RunId, string RunName, DeliveryStatus Status, SkipReason SkipReason, int? ErrCode, string? ErrMsg,
    DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt, long? CredentialId, long? MessageId = null, MessageState? MessageState = null);

/// <summary>Everything the console knows about pushing to one openid of one account.</summary>
public sealed record RecipientHistory(int AccountId, string OpenId, DateTimeOffset AsOf, IReadOnlyList<RecipientCredential> Credentials,
    IReadOnlyList<RecipientDelivery> Deliveries)
{
    public int UsableCredentials => Credentials.Count(c => c.Usable);
}

/// <summary>
/// "Why did this user not get it?": the user's credentials in the pool and every ledger row of theirs, newest first. Both
/// lists are read through the indexes that start with (account, openid), and cut at <see cref="Limit"/> rows.
/// </summary>
public sealed class RecipientLookup(IDbContextFactory<PushConsoleDbContext> contexts, TimeProvider time)
{
    public const int Limit = 200;

    public async Task<RecipientHistory> FindAsync(int accountId, string openId, CancellationToken cancellationToken = default)
    {
        openId = openId.Trim();
        var now = time.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var credentials = await db.Credentials.AsNoTracking().Where(c => c.AccountId == accountId && c.OpenId == openId)
            .OrderByDescending(c => c.Id).Take(Limit)
            .Select(c => new { c.Id, c.Kind, c.Status, Template = c.Template == null ? null : c.Template.Title, c.UsesLeft, c.ReceivedAt, c.ExpiresAt, c.ClosedAt })
            .ToListAsync(cancellationToken);
        var latest = db.Deliveries.AsNoTracking().Where(d => d.AccountId == accountId && d.Recipient == openId).OrderByDescending(d => d.Id).Take(Limit);
        var rows = await (from d in latest
                          join r in db.DeliveryRuns on d.RunId equals r.Id
                          // Transactional messages: the message each of their runs sends.
                          from m in db.Set<TransactionalMessage>().Where(m => m.RunId == d.RunId).DefaultIfEmpty()
                          select new { Delivery = d, r.Name, r.Kind, RunStatus = r.Status, r.StatusReason, MessageId = (long?)m.Id })
            .ToListAsync(cancellationToken);
        var deliveries = rows.Select(x =>
        {
            var d = x.Delivery;
            var state = x.Kind == RunKind.Message
                ? MessageStatus.Of(d.Status, d.SkipReason, d.ErrCode, d.ErrMsg, x.RunStatus, x.StatusReason).State
                : (MessageState?)null;
            return new RecipientDelivery(d.Id, d.RunId, x.Name, d.Status, d.SkipReason, d.ErrCode, d.ErrMsg, d.CreatedAt, d.FinishedAt, d.CredentialId,
                x.MessageId, state);
        }).ToList();
        return new RecipientHistory(accountId, openId, now,
            credentials.Select(c => new RecipientCredential(c.Id, c.Kind, c.Status, c.Template, c.UsesLeft, c.ReceivedAt, c.ExpiresAt, c.ClosedAt,
                // Past expiry counts as expired even before the sweep marks it (as the claim path does).
                c.Status == CredentialStatus.Available && c.UsesLeft > 0 && (c.ExpiresAt is null || c.ExpiresAt > now))).ToList(),
            deliveries.OrderByDescending(d => d.Id).ToList());
    }
}
