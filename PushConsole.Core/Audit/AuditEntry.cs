using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PushConsole.Audit;

/// <summary>What kind of thing an admin or editor changed.</summary>
public enum AuditSubject
{
    Account,
    Template,
    Campaign,
    Channel,
    User,
    ApiToken,
}

/// <summary>What was done to it.</summary>
public enum AuditAction
{
    Created,
    Updated,
    Deleted,
    Enabled,
    Disabled,
    Imported,
    Locked,
    Unlocked,
    RoleChanged,
    PasswordReset,
    Revoked,
}

/// <summary>
/// One change made by a person (or the console itself): who, when, what and to which thing. The thing's name is copied,
/// not referenced, so the entry still reads after the thing (or its account) is deleted.
/// </summary>
public sealed class AuditEntry
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    /// <summary>The signed-in user's email (console or API token), or <see cref="AuditLog.Console"/> for the console's own work.</summary>
    public string Actor { get; set; } = "";
    public AuditSubject Subject { get; set; }
    public AuditAction Action { get; set; }
    public string SubjectId { get; set; } = "";
    public string SubjectName { get; set; } = "";
    /// <summary>The account the thing belongs to, kept as a plain number (no foreign key: entries outlive accounts).</summary>
    public int? AccountId { get; set; }
    public string? Detail { get; set; }

    public const int MaxActorLength = 256;
    public const int MaxIdLength = 64;
    public const int MaxNameLength = 200;
    public const int MaxDetailLength = 500;
}

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> entity)
    {
        entity.ToTable("AuditEntries");
        entity.Property(e => e.Actor).HasMaxLength(AuditEntry.MaxActorLength);
        entity.Property(e => e.Subject).HasConversion<string>().HasMaxLength(16);
        entity.Property(e => e.Action).HasConversion<string>().HasMaxLength(16);
        entity.Property(e => e.SubjectId).HasMaxLength(AuditEntry.MaxIdLength);
        entity.Property(e => e.SubjectName).HasMaxLength(AuditEntry.MaxNameLength);
        entity.Property(e => e.Detail).HasMaxLength(AuditEntry.MaxDetailLength);
        // The page lists newest first, whole or of one kind of thing.
        entity.HasIndex(e => e.At);
        entity.HasIndex(e => new { e.Subject, e.At });
    }
}
