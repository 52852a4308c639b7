using Microsoft.EntityFrameworkCore;
using PushConsole.Credentials;
using PushConsole.MiniProgram;
using PushConsole.Persistence;

namespace PushConsole.Sending;

/// <summary>
/// The credential pool and the mini program's users as campaigns see them: batch claims through the pool's claim
/// statement (earliest expiry first), batch settlement, and the audience queries over credentials, logins and
/// check-ins.
/// </summary>
internal sealed class PoolCredentialSource(CredentialPool pool, IDbContextFactory<PushConsoleDbContext> contexts, TimeProvider time,
    Persistence.WriteGate writes)
    : ICredentialSource, IAudienceDirectory
{
    public async Task<IReadOnlyList<HeldCredential>> ClaimAsync(int accountId, IReadOnlyCollection<string> openIds, CredentialNeed need,
        CancellationToken cancellationToken)
    {
        // A claim writes; on SQLite it takes its turn with the ledger's writes (see WriteGate).
        IReadOnlyList<CredentialClaim> claims;
        using (await writes.EnterAsync(cancellationToken))
        {
            claims = await pool.ClaimAsync(accountId, openIds, need.Demand, cancellationToken);
        }
        return Held(claims);
    }

    public async Task<IReadOnlyList<HeldCredential>> ClaimAsync(PushConsoleDbContext db, int accountId, IReadOnlyCollection<string> openIds,
        CredentialNeed need, CancellationToken cancellationToken) =>
        // The transaction's owner holds the write turn: entering the gate again here would wait for ever.
        Held(await pool.ClaimAsync(db, accountId, openIds, need.Demand, cancellationToken));

    private static List<HeldCredential> Held(IReadOnlyList<CredentialClaim> claims) =>
        claims.Select(c => new HeldCredential(c.CredentialId, c.OpenId, c.Value, c.ExpiresAt)).ToList();

    public Task ReleaseAsync(PushConsoleDbContext db, IReadOnlyCollection<HeldCredential> claims, CancellationToken cancellationToken) =>
        ReleaseAsync(db, claims.Select(c => c.Id).ToList(), cancellationToken);

    public async Task<IReadOnlyList<HeldCredential>> FindAsync(IReadOnlyCollection<long> credentialIds, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var found = new List<HeldCredential>(credentialIds.Count);
        foreach (var chunk in credentialIds.Chunk(1000))
        {
            // A credential WeChat refused since is not sent again; the row then claims another one.
            found.AddRange(await db.Credentials.AsNoTracking()
                .Where(c => chunk.Contains(c.Id) && c.Status != CredentialStatus.Invalid)
                .Select(c => new HeldCredential(c.Id, c.OpenId, c.Value, c.ExpiresAt))
                .ToListAsync(cancellationToken));
        }
        return found;
    }

    public async Task SettleAsync(IReadOnlyList<CredentialSettlement> settlements, CancellationToken cancellationToken)
    {
        using var turn = await writes.EnterAsync(cancellationToken);
        // 41028 and 41029 close credentials in one statement each; the rarer cases go through the pool one by one.
        await CloseAsync(settlements.Where(s => s.Verdict == CredentialVerdict.Invalid).Select(s => s.Credential.Id).ToList(),
            CredentialStatus.Invalid, cancellationToken);
        await CloseAsync(settlements.Where(s => s.Verdict == CredentialVerdict.Used).Select(s => s.Credential.Id).ToList(),
            CredentialStatus.Used, cancellationToken);
        var released = settlements.Where(s => s.Verdict == CredentialVerdict.Release).Select(s => s.Credential.Id).ToList();
        if (released.Count > 0)
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            await ReleaseAsync(db, released, cancellationToken);
        }
        var grants = settlements.Where(s => s.Verdict == CredentialVerdict.DropGrant).Select(s => s.Credential.Id).ToList();
        if (grants.Count > 0)
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var owners = await db.Credentials.AsNoTracking().Where(c => grants.Contains(c.Id))
                .Select(c => new { c.AccountId, c.OpenId, c.TemplateId }).Distinct().ToListAsync(cancellationToken);
            foreach (var owner in owners)
            {
                if (owner.TemplateId is { } templateId)
                {
                    await pool.DropGrantsAsync(owner.AccountId, owner.OpenId, templateId, cancellationToken);
                }
            }
            // The grant that was claimed (its use already taken) is closed too.
            await CloseAsync(grants, CredentialStatus.Invalid, cancellationToken);
        }
    }

    /// <summary>
    /// Gives uses back in one statement per thousand ids, with the pool's own rule (<see cref="CredentialPool.ReleaseAsync"/>):
    /// only to a credential still open or used up by the claim, and never beyond the uses it came with.
    /// </summary>
    private static async Task ReleaseAsync(PushConsoleDbContext db, List<long> ids, CancellationToken cancellationToken)
    {
        // An id twice (a prepay_id held by two rows) gets a use back per occurrence: one statement per round.
        for (var round = ids; round.Count > 0; round = round.GroupBy(id => id).Where(g => g.Count() > 1).SelectMany(g => g.Skip(1)).ToList())
        {
            foreach (var chunk in round.Distinct().Chunk(1000))
            {
                await CredentialPool.GiveUsesBackAsync(db, c => chunk.Contains(c.Id), cancellationToken);
            }
        }
    }

    private async Task CloseAsync(List<long> ids, CredentialStatus status, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return;
        }
        var now = time.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        foreach (var chunk in ids.Chunk(1000))
        {
            await CredentialPool.CloseAsync(db, c => chunk.Contains(c.Id), status, now, cancellationToken);
        }
    }

    public async Task<IReadOnlyList<string>> KnownUsersAsync(int accountId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var logins = await db.MiniProgramUsers.AsNoTracking().Where(u => u.AccountId == accountId).Select(u => u.OpenId)
            .ToListAsync(cancellationToken);
        var holders = await db.Credentials.AsNoTracking().Where(c => c.AccountId == accountId).Select(c => c.OpenId).Distinct()
            .ToListAsync(cancellationToken);
        return logins.Union(holders, StringComparer.Ordinal).ToList();
    }

    public async Task<IReadOnlyList<string>> UsersWithUsableCredentialAsync(int accountId, CredentialNeed need, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await CredentialPool.Usable(db, accountId, need.Demand, time.GetUtcNow()).Select(c => c.OpenId).Distinct()
            .ToListAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<string>> UsersCheckedInSinceAsync(int accountId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.ActivityEvents.AsNoTracking()
            .Where(e => e.AccountId == accountId && e.Type == ActivityLog.CheckIn && e.OccurredAt >= since)
            .Select(e => e.OpenId).Distinct().ToListAsync(cancellationToken);
    }
}
