using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using PushConsole.Persistence;

namespace PushConsole.MiniProgram;

/// <summary>Records and queries what users did in the mini program ("checkin", "share", ...).</summary>
public sealed partial class ActivityLog(IDbContextFactory<PushConsoleDbContext> contexts, TimeProvider time)
{
    public const string CheckIn = "checkin";

    /// <summary>Kinds are open-ended (a mini program may track its own); they are short lower-case words.</summary>
    public static bool IsValidType(string? type) => type is not null && TypePattern().IsMatch(type);

    public async Task RecordAsync(int accountId, string openId, string type, CancellationToken cancellationToken = default)
    {
        if (!IsValidType(type))
        {
            throw new ArgumentException($"'{type}' is not an activity type.", nameof(type));
        }
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        db.ActivityEvents.Add(new ActivityEvent { AccountId = accountId, OpenId = openId, Type = type, OccurredAt = time.GetUtcNow() });
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Whether the user did <paramref name="type"/> at or after <paramref name="since"/>.</summary>
    public async Task<bool> HasSinceAsync(int accountId, string openId, string type, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.ActivityEvents.AnyAsync(e => e.AccountId == accountId && e.OpenId == openId && e.Type == type && e.OccurredAt >= since, cancellationToken);
    }

    /// <summary>Known users of the account who have not done <paramref name="type"/> since <paramref name="since"/> (e.g. "not checked in today").</summary>
    public async Task<IReadOnlyList<string>> UsersWithoutSinceAsync(int accountId, string type, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.MiniProgramUsers.AsNoTracking()
            .Where(u => u.AccountId == accountId
                && !db.ActivityEvents.Any(e => e.AccountId == accountId && e.OpenId == u.OpenId && e.Type == type && e.OccurredAt >= since))
            .OrderBy(u => u.OpenId).Select(u => u.OpenId).ToListAsync(cancellationToken);
    }

    [GeneratedRegex("^[a-z][a-z0-9_.-]{0,31}$", RegexOptions.CultureInvariant)]
    private static partial Regex TypePattern();
}
