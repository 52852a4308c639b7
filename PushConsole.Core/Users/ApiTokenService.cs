using Microsoft.EntityFrameworkCore;
using PushConsole.Persistence;

namespace PushConsole.Users;

/// <summary>Creates, lists, revokes and checks personal API tokens.</summary>
public sealed class ApiTokenService(IDbContextFactory<PushConsoleDbContext> contexts, Audit.AuditLog audit, ApiTokenPrincipals resolved,
    TimeProvider time)
{
    public sealed record Created(ApiToken Token, string PlainValue);

    /// <summary>One page of a user's tokens and how many match in all.</summary>
    public sealed record TokenPage(IReadOnlyList<ApiToken> Tokens, int Total);

    public async Task<Created> CreateAsync(string userId, string name, CancellationToken cancellationToken = default)
    {
        name = name.Trim();
        if (name.Length is 0 or > 100)
        {
            throw new ArgumentException("A token name is 1 to 100 characters.", nameof(name));
        }
        var plain = ApiToken.NewPlainValue();
        var token = new ApiToken
        {
            UserId = userId, Name = name, Hash = ApiToken.HashOf(plain), Prefix = plain[..8], CreatedAt = time.GetUtcNow(),
        };
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        db.ApiTokens.Add(token);
        await db.SaveChangesAsync(cancellationToken);
        await RecordAsync(token, Audit.AuditAction.Created);
        return new Created(token, plain);
    }

    /// <summary>
    /// A page of the user's tokens, searched and ordered in the database: <paramref name="search"/> is a part of the name
    /// or of the prefix the token starts with, in any case; <paramref name="orderBy"/> names a column of <see cref="ApiToken"/>
    /// (newest first when none).
    /// </summary>
    public async Task<TokenPage> PageAsync(string userId, string? search, string? orderBy, bool descending, int skip, int take,
        CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = db.ApiTokens.AsNoTracking().Where(t => t.UserId == userId);
        if (!string.IsNullOrWhiteSpace(search))
        {
            var needle = search.Trim().ToLower();
            query = query.Where(t => t.Name.ToLower().Contains(needle) || t.Prefix.ToLower().Contains(needle));
        }
        var total = await query.CountAsync(cancellationToken);
        var ordered = orderBy switch
        {
            nameof(ApiToken.Name) => descending ? query.OrderByDescending(t => t.Name) : query.OrderBy(t => t.Name),
            nameof(ApiToken.Prefix) => descending ? query.OrderByDescending(t => t.Prefix) : query.OrderBy(t => t.Prefix),
            nameof(ApiToken.CreatedAt) => descending ? query.OrderByDescending(t => t.CreatedAt) : query.OrderBy(t => t.CreatedAt),
            nameof(ApiToken.LastUsedAt) => descending ? query.OrderByDescending(t => t.LastUsedAt) : query.OrderBy(t => t.LastUsedAt),
            _ => query.OrderByDescending(t => t.CreatedAt),
        };
        var tokens = await ordered.ThenByDescending(t => t.Id).Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 1, 500))
            .ToListAsync(cancellationToken);
        return new TokenPage(tokens, total);
    }

    public async Task<bool> RevokeAsync(string userId, long tokenId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        var changed = await db.ApiTokens.Where(t => t.Id == tokenId && t.UserId == userId && t.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now), cancellationToken);
        // Refused from the next request on this node (other nodes: within the principals' lifetime).
        resolved.Forget(userId);
        if (changed == 1 && await db.ApiTokens.AsNoTracking().SingleOrDefaultAsync(t => t.Id == tokenId, cancellationToken) is { } token)
        {
            await RecordAsync(token, Audit.AuditAction.Revoked);
        }
        return changed == 1;
    }

    private Task RecordAsync(ApiToken token, Audit.AuditAction action) =>
        audit.RecordAsync(Audit.AuditSubject.ApiToken, action, token.Id.ToString(), $"{token.Name} ({token.Prefix}…)");

    /// <summary>The user id owning an active token with this plain value, or null.</summary>
    public async Task<string?> FindUserIdAsync(string plain, CancellationToken cancellationToken = default)
    {
        var hash = ApiToken.HashOf(plain);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var token = await db.ApiTokens.AsNoTracking()
            .Where(t => t.Hash == hash && t.RevokedAt == null)
            .Select(t => new { t.Id, t.UserId, t.LastUsedAt }).SingleOrDefaultAsync(cancellationToken);
        if (token is null)
        {
            return null;
        }
        // Last use is informational; record it at most once a minute to keep the API path read-only.
        var now = time.GetUtcNow();
        if (token.LastUsedAt is null || now - token.LastUsedAt > TimeSpan.FromMinutes(1))
        {
            await db.ApiTokens.Where(t => t.Id == token.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), cancellationToken);
        }
        return token.UserId;
    }
}
