using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PushConsole.Accounts;

namespace PushConsole.MiniProgram;

/// <summary>
/// A user was active in the mini program (e.g. "checkin"), reported by the mini program itself. Audiences such as
/// "not checked in today" ask whether a row exists; the sweep removes rows older than the retention period.
/// </summary>
public sealed class ActivityEvent
{
    public long Id { get; set; }
    public int AccountId { get; set; }
    public WeChatAccount? Account { get; set; }
    public string OpenId { get; set; } = "";
    public string Type { get; set; } = "";
    public DateTimeOffset OccurredAt { get; set; }

    public const int MaxTypeLength = 32;
}

internal sealed class ActivityEventConfiguration : IEntityTypeConfiguration<ActivityEvent>
{
    public void Configure(EntityTypeBuilder<ActivityEvent> entity)
    {
        entity.ToTable("ActivityEvents");
        entity.Property(e => e.OpenId).HasMaxLength(64);
        entity.Property(e => e.Type).HasMaxLength(ActivityEvent.MaxTypeLength);
        entity.HasOne(e => e.Account).WithMany().HasForeignKey(e => e.AccountId).OnDelete(DeleteBehavior.Cascade);
        // "Has this user done X since T?" and retention by time.
        entity.HasIndex(e => new { e.AccountId, e.OpenId, e.Type, e.OccurredAt });
        entity.HasIndex(e => e.OccurredAt);
    }
}
