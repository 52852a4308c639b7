using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using PushConsole.Persistence;

namespace PushConsole.Credentials;

/// <summary>
/// The pool every push draws from. A send claims one use of a user's credential, sends, then settles the claim
/// with WeChat's answer (<see cref="SettleAsync(CredentialClaim, WeChat.SendOutcome, CancellationToken)"/>): a transient failure gives the use back, 41028/41029 close the
/// credential so the next claim takes the user's next one.
/// </summary>
public sealed class CredentialPool
{
    /// <summary>Most openids one claim statement carries; larger requests are split.</summary>
    public const int MaxClaimBatch = 5000;

    private readonly CredentialStore store;
    private readonly IDbContextFactory<PushConsoleDbContext> contexts;
    private readonly TimeProvider time;

    internal CredentialPool(CredentialStore store, IDbContextFactory<PushConsoleDbContext> contexts, TimeProvider time)
    {
        this.store = store;
        this.contexts = contexts;
        this.time = time;
    }

    /// <summary>
    /// The credentials a claim for the demand could take now: the pool holds exactly the open credentials with a use
    /// left, and grants are its rows with a template (read through the claim index).
    /// </summary>
    public static IQueryable<AvailableCredential> Usable(PushConsoleDbContext db, int accountId, CredentialDemand demand, DateTimeOffset now)
    {
        var usable = db.AvailableCredentials.AsNoTracking().Where(c => c.AccountId == accountId && (c.ExpiresAt == null || c.ExpiresAt > now));
        return demand.TemplateId is { } templateId ? usable.Where(c => c.TemplateId == templateId) : usable.Where(c => c.TemplateId == null);
    }

    /// <summary>Takes one use from the user's earliest-expiring usable credential for the demand; null if they have none.</summary>
    public async Task<CredentialClaim?> ClaimAsync(int accountId, string openId, CredentialDemand demand, CancellationToken cancellationToken = default)
    {
        var claims = await store.ClaimAsync(accountId, [openId], demand, time.GetUtcNow(), cancellationToken);
        return claims.Count == 0 ? null : claims[0];
    }

    /// <summary>
    /// Takes one use for each of the users (at most one per user) in one statement per <see cref="MaxClaimBatch"/>
    /// openids. Users without a usable credential are simply absent from the result.
    /// </summary>
    public Task<IReadOnlyList<CredentialClaim>> ClaimAsync(int accountId, IEnumerable<string> openIds, CredentialDemand demand, CancellationToken cancellationToken = default) =>
        ClaimInChunksAsync(openIds, chunk => store.ClaimAsync(accountId, chunk, demand, time.GetUtcNow(), cancellationToken));

    /// <summary>
    /// As <see cref="ClaimAsync(int, IEnumerable{string}, CredentialDemand, CancellationToken)"/>, on <paramref name="db"/>'s
    /// connection inside its open transaction (the caller holds the write turn, <see cref="WriteGate"/>): the claim
    /// commits with the caller's writes, and their rollback undoes it.
    /// </summary>
    public Task<IReadOnlyList<CredentialClaim>> ClaimAsync(PushConsoleDbContext db, int accountId, IEnumerable<string> openIds, CredentialDemand demand,
        CancellationToken cancellationToken = default)
    {
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("A claim with the caller's writes needs the caller's transaction.");
        var connection = db.Database.GetDbConnection();
        return ClaimInChunksAsync(openIds, chunk => store.ClaimAsync(connection, transaction, accountId, chunk, demand, time.GetUtcNow(), cancellationToken));
    }

    private static async Task<IReadOnlyList<CredentialClaim>> ClaimInChunksAsync(IEnumerable<string> openIds,
        Func<string[], Task<IReadOnlyList<CredentialClaim>>> claim)
    {
        var distinct = openIds.Distinct(StringComparer.Ordinal).ToArray();
        if (distinct.Length <= MaxClaimBatch)
        {
            return distinct.Length == 0 ? [] : await claim(distinct);
        }
        var all = new List<CredentialClaim>(distinct.Length);
        foreach (var chunk in distinct.Chunk(MaxClaimBatch))
        {
            all.AddRange(await claim(chunk));
        }
        return all;
    }

    /// <summary>
    /// Applies the WeChat client's answer to a claimed use. Returns true when the caller should claim the user's next
    /// credential and send again (41028/41029).
    /// </summary>
    public Task<bool> SettleAsync(CredentialClaim claim, WeChat.SendOutcome outcome, CancellationToken cancellationToken = default) =>
        SettleAsync(claim, ClaimOutcomes.Of(outcome), cancellationToken);

    /// <summary>Applies how a send with a claimed use ended. Returns true when the caller should claim the user's next credential and retry.</summary>
    public async Task<bool> SettleAsync(CredentialClaim claim, ClaimOutcome outcome, CancellationToken cancellationToken = default)
    {
        switch (outcome)
        {
            case ClaimOutcome.Sent:
                return false;
            case ClaimOutcome.TransientFailure:
            case ClaimOutcome.RejectedForOtherReason:
                await ReleaseAsync(claim.CredentialId, cancellationToken);
                return false;
            case ClaimOutcome.CredentialInvalid:
                await MarkInvalidAsync(claim.CredentialId, cancellationToken);
                return true;
            case ClaimOutcome.CredentialUsedUp:
                await MarkUsedAsync(claim.CredentialId, cancellationToken);
                return true;
            case ClaimOutcome.GrantMissing:
                if (claim.TemplateId is { } templateId)
                {
                    await DropGrantsAsync(claim.AccountId, claim.OpenId, templateId, cancellationToken);
                }
                else
                {
                    await MarkInvalidAsync(claim.CredentialId, cancellationToken);
                }
                return false;
            default:
                throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null);
        }
    }

    /// <summary>Gives a claimed use back (the send did not happen). A credential never gets more uses than it came with.</summary>
    public async Task<bool> ReleaseAsync(long credentialId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await GiveUsesBackAsync(db, c => c.Id == credentialId, cancellationToken) == 1;
    }

    /// <summary>
    /// The release rule: a use back only to a credential still open or used up by a claim, and never beyond the uses
    /// it came with, with the tallies in the same transaction. Returns how many credentials got one.
    /// </summary>
    internal static Task<int> GiveUsesBackAsync(PushConsoleDbContext db, Expression<Func<Credential, bool>> which, CancellationToken cancellationToken) =>
        TallyWriter.ChangeAsync(db, which, rows => rows
            .Where(c => (c.Status == CredentialStatus.Available || c.Status == CredentialStatus.Used)
                && c.UsesLeft < (c.Kind == CredentialKind.PrepayId ? 3 : 1))
            .ExecuteUpdateAsync(s => s
                .SetProperty(c => c.UsesLeft, c => c.UsesLeft + 1)
                .SetProperty(c => c.Status, CredentialStatus.Available)
                .SetProperty(c => c.ClosedAt, (DateTimeOffset?)null), cancellationToken), cancellationToken);

    /// <summary>Closes the open or used-up credentials among <paramref name="which"/> with <paramref name="status"/>, tallies included.</summary>
    internal static Task<int> CloseAsync(PushConsoleDbContext db, Expression<Func<Credential, bool>> which, CredentialStatus status, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        TallyWriter.ChangeAsync(db, which, rows => rows
            .Where(c => c.Status == CredentialStatus.Available || c.Status == CredentialStatus.Used)
            .ExecuteUpdateAsync(s => s
                .SetProperty(c => c.Status, status)
                .SetProperty(c => c.UsesLeft, 0)
                .SetProperty(c => c.ClosedAt, now), cancellationToken), cancellationToken);

    /// <summary>41028: WeChat refuses the id (invalid, expired, another user's). Its remaining uses are dropped.</summary>
    public Task<bool> MarkInvalidAsync(long credentialId, CancellationToken cancellationToken = default) =>
        CloseAsync(credentialId, CredentialStatus.Invalid, cancellationToken);

    /// <summary>41029: WeChat counts the id as used up, whatever uses the pool thought it had.</summary>
    public Task<bool> MarkUsedAsync(long credentialId, CancellationToken cancellationToken = default) =>
        CloseAsync(credentialId, CredentialStatus.Used, cancellationToken);

    /// <summary>43101: the user has no grant of this template on WeChat's side (unsubscribed or switched off); drops all theirs.</summary>
    public async Task<int> DropGrantsAsync(int accountId, string openId, int templateId, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await TallyWriter.ChangeAsync(db,
            c => c.AccountId == accountId && c.OpenId == openId && c.TemplateId == templateId && c.Status == CredentialStatus.Available,
            rows => rows.ExecuteUpdateAsync(s => s
                .SetProperty(c => c.Status, CredentialStatus.Invalid)
                .SetProperty(c => c.UsesLeft, 0)
                .SetProperty(c => c.ClosedAt, now), cancellationToken), cancellationToken);
    }

    /// <summary>Adds one subscribe grant per template id (a template accepted twice gives two grants).</summary>
    public async Task<int> AddGrantsAsync(int accountId, string openId, IEnumerable<int> templateIds, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var grants = templateIds.Select(templateId => new Credential
        {
            AccountId = accountId, OpenId = openId, Kind = CredentialKind.SubscribeGrant, TemplateId = templateId,
            UsesLeft = CredentialRules.UsesOf(CredentialKind.SubscribeGrant), Status = CredentialStatus.Available,
            ReceivedAt = now,
        }).ToList();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Credentials.AddRange(grants);
        await db.SaveChangesAsync(cancellationToken);
        await TallyWriter.AddedToPoolAsync(db, grants, cancellationToken);
        await TallyWriter.AddedAsync(db, grants, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return grants.Count;
    }

    private async Task<bool> CloseAsync(long credentialId, CredentialStatus status, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await CloseAsync(db, c => c.Id == credentialId, status, time.GetUtcNow(), cancellationToken) == 1;
    }
}
