using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using PushConsole.Accounts;
using PushConsole.Persistence;

namespace PushConsole.MiniProgram;

/// <summary>
/// Resolves the <c>{appId}</c> of mini program requests to an account id. Every intake request needs it, so answers
/// are kept for a short while; a new or deleted account is seen within <see cref="Freshness"/>.
/// </summary>
public sealed class MiniProgramDirectory(IDbContextFactory<PushConsoleDbContext> contexts, TimeProvider time)
{
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, (int? AccountId, DateTimeOffset Until)> cache = new(StringComparer.Ordinal);

    /// <summary>Drops what is known of an AppID (its account was deleted or changed), so the next request looks again.</summary>
    public void Forget(string appId) => cache.TryRemove(appId, out _);

    /// <summary>The account id of the mini program with this AppID, or null when there is none.</summary>
    public async ValueTask<int?> FindAccountIdAsync(string appId, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        if (cache.TryGetValue(appId, out var hit) && hit.Until > now)
        {
            return hit.AccountId;
        }
        if (appId.Length > 64)
        {
            return null;
        }
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var id = await db.Accounts.AsNoTracking()
            .Where(a => a.AppId == appId && a.Kind == AccountKind.MiniProgram)
            .Select(a => (int?)a.Id).SingleOrDefaultAsync(cancellationToken);
        if (cache.Count > 10_000)
        {
            cache.Clear(); // unknown appIds must not grow the cache without bound
        }
        // Unknown appIds are remembered more briefly, so a just-created account works almost at once.
        cache[appId] = (id, now + (id is null ? TimeSpan.FromSeconds(2) : Freshness));
        return id;
    }
}
