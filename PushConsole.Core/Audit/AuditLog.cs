using Microsoft.EntityFrameworkCore;
using PushConsole.Persistence;

namespace PushConsole.Audit;

/// <summary>Filters of the audit page: all optional.</summary>
public sealed record AuditQuery(AuditSubject? Subject = null, string? Actor = null, string? Search = null,
    DateTimeOffset? From = null, DateTimeOffset? Until = null);

public sealed record AuditEntryPage(IReadOnlyList<AuditEntry> Entries, int Total);

/// <summary>Records who changed what (accounts, templates, campaigns, channels, users, tokens) and pages through it.</summary>
public sealed class AuditLog(IDbContextFactory<PushConsoleDbContext> contexts, TimeProvider time)
{
    /// <summary>The actor of changes no person made (start-up, demo data, the scheduler).</summary>
    public const string Console = "console";

    /// <summary>Records a change that has just been saved, in the name of <see cref="AuditActor.Current"/>.</summary>
    public async Task RecordAsync(AuditSubject subject, AuditAction action, string subjectId, string subjectName, int? accountId = null,
        string? detail = null, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        db.AuditEntries.Add(new AuditEntry
        {
            At = time.GetUtcNow(),
            Actor = Cut(AuditActor.Current ?? Console, AuditEntry.MaxActorLength),
            Subject = subject,
            Action = action,
            SubjectId = Cut(subjectId, AuditEntry.MaxIdLength),
            SubjectName = Cut(subjectName, AuditEntry.MaxNameLength),
            AccountId = accountId,
            Detail = detail is null ? null : Cut(detail, AuditEntry.MaxDetailLength),
        });
        // The change itself is saved already: a caller giving up now must not leave it unrecorded.
        await db.SaveChangesAsync(CancellationToken.None);
    }

    /// <summary>One page of entries, newest first, counted and cut in the database.</summary>
    public async Task<AuditEntryPage> QueryAsync(AuditQuery query, int skip, int take, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var entries = db.AuditEntries.AsNoTracking();
        if (query.Subject is { } subject)
        {
            entries = entries.Where(e => e.Subject == subject);
        }
        if (!string.IsNullOrWhiteSpace(query.Actor))
        {
            var actor = query.Actor.Trim().ToLowerInvariant();
            entries = entries.Where(e => e.Actor.ToLower().Contains(actor));
        }
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var needle = query.Search.Trim().ToLowerInvariant();
            entries = entries.Where(e => e.SubjectName.ToLower().Contains(needle) || e.SubjectId == query.Search.Trim());
        }
        if (query.From is { } from)
        {
            entries = entries.Where(e => e.At >= from);
        }
        if (query.Until is { } until)
        {
            entries = entries.Where(e => e.At < until);
        }
        var total = await entries.CountAsync(cancellationToken);
        var page = await entries.OrderByDescending(e => e.At).ThenByDescending(e => e.Id)
            .Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 1, 500)).ToListAsync(cancellationToken);
        return new AuditEntryPage(page, total);
    }

    private static string Cut(string text, int length) => text.Length <= length ? text : text[..length];
}
