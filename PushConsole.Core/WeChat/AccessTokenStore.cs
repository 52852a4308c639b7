using Microsoft.EntityFrameworkCore;
using PushConsole.Persistence;

namespace PushConsole.WeChat;

/// <summary>
/// The AccessTokens table. Every write is one conditional statement, so the lease and the compare-and-clear hold
/// across nodes on SQLite and PostgreSQL alike without explicit transactions or row locks.
/// </summary>
internal sealed class AccessTokenStore(IDbContextFactory<PushConsoleDbContext> contexts)
{
    public async Task<StoredAccessToken?> ReadAsync(string appId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.AccessTokens.AsNoTracking().SingleOrDefaultAsync(t => t.AppId == appId, cancellationToken);
    }

    /// <summary>Takes the app's lease if it is free or expired. False when another fetch holds it.</summary>
    public async Task<bool> TryLeaseAsync(string appId, string holder, DateTimeOffset now, DateTimeOffset until,
        bool rowExists, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (rowExists)
        {
            var taken = await db.AccessTokens
                .Where(t => t.AppId == appId && (t.LeaseUntil == null || t.LeaseUntil < now))
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.LeaseHolder, holder).SetProperty(t => t.LeaseUntil, until),
                    cancellationToken);
            return taken == 1;
        }
        db.AccessTokens.Add(new StoredAccessToken { AppId = appId, LeaseHolder = holder, LeaseUntil = until });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException)
        {
            // Another node created the row (and with it its lease) first.
            return false;
        }
    }

    /// <summary>Stores a fetched token and frees the lease, if the lease is still ours. False when it was lost.</summary>
    public async Task<bool> SaveAsync(string appId, string holder, string tokenCipher, DateTimeOffset fetchedAt,
        DateTimeOffset expiresAt, long version, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var saved = await db.AccessTokens
            .Where(t => t.AppId == appId && t.LeaseHolder == holder)
            .ExecuteUpdateAsync(s => s
                .SetProperty(t => t.TokenCipher, tokenCipher)
                .SetProperty(t => t.FetchedAt, fetchedAt)
                .SetProperty(t => t.ExpiresAt, expiresAt)
                .SetProperty(t => t.Version, version)
                .SetProperty(t => t.LeaseHolder, (string?)null)
                .SetProperty(t => t.LeaseUntil, (DateTimeOffset?)null), cancellationToken);
        return saved == 1;
    }

    public async Task ReleaseAsync(string appId, string holder, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.AccessTokens
            .Where(t => t.AppId == appId && t.LeaseHolder == holder)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.LeaseHolder, (string?)null)
                .SetProperty(t => t.LeaseUntil, (DateTimeOffset?)null), cancellationToken);
    }

    /// <summary>Clears the stored token only if it is still the given version (a newer one may already be there).</summary>
    public async Task InvalidateAsync(string appId, long version, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.AccessTokens
            .Where(t => t.AppId == appId && t.Version == version && t.TokenCipher != null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.TokenCipher, (string?)null), cancellationToken);
    }
}
