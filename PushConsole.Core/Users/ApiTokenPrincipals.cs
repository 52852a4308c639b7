using System.Collections.Concurrent;
using System.Security.Claims;

namespace PushConsole.Users;

/// <summary>
/// What an API token resolved to (its user and that user's claims), kept per token hash for a few seconds so a busy
/// backend does not pay the token, user, claims, roles and role-claims reads on every request. A revoke, a role change,
/// a lock or a delete on this node forgets the user's entries at once; other nodes of a cluster see the change within
/// <see cref="Lifetime"/>.
/// </summary>
public sealed class ApiTokenPrincipals(TimeProvider time)
{
    /// <summary>How long a resolved token is believed without reading it again (the bound for other nodes).</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);

    private sealed record Resolved(string UserId, IReadOnlyList<Claim> Claims, DateTimeOffset Until);

    private readonly ConcurrentDictionary<string, Resolved> byHash = new(StringComparer.Ordinal);
    // Moves on at every forget: a resolution that started before it is not kept (it may have read the old state).
    private long generation;

    /// <summary>Where a resolution starts: pass it to <see cref="Remember"/>.</summary>
    public long Generation => Interlocked.Read(ref generation);

    /// <summary>The claims the token resolved to within <see cref="Lifetime"/>, or null.</summary>
    public IReadOnlyList<Claim>? Find(string tokenHash)
    {
        if (byHash.TryGetValue(tokenHash, out var resolved))
        {
            if (resolved.Until > time.GetUtcNow())
            {
                return resolved.Claims;
            }
            byHash.TryRemove(new KeyValuePair<string, Resolved>(tokenHash, resolved));
        }
        return null;
    }

    /// <summary>Keeps what the token resolved to, unless something was forgotten since the resolution began.</summary>
    public void Remember(string tokenHash, string userId, IReadOnlyList<Claim> claims, long startedAt)
    {
        if (Generation != startedAt)
        {
            return;
        }
        byHash[tokenHash] = new Resolved(userId, claims, time.GetUtcNow() + Lifetime);
        // Forgotten while being stored: drop it again, so the forget is never undone.
        if (Generation != startedAt)
        {
            byHash.TryRemove(tokenHash, out _);
        }
    }

    /// <summary>The user's tokens are read again at their next request (revoked, role changed, locked, deleted).</summary>
    public void Forget(string userId)
    {
        Interlocked.Increment(ref generation);
        foreach (var (hash, resolved) in byHash)
        {
            if (resolved.UserId == userId)
            {
                byHash.TryRemove(hash, out _);
            }
        }
    }
}
