using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PushConsole.Ledger;

/// <summary>
/// Running totals of a run, moved in the same transaction as the ledger rows they count (by the ledger's one outcome
/// writer), so the screens and the API read a progress bar from one row instead of counting a million. When the run
/// ends the totals are recounted from the rows themselves.
/// </summary>
public sealed class RunTally
{
    /// <summary>WeChat's 43004 "require subscribe": the follower left between paging and sending.</summary>
    public const int UnfollowedErrCode = 43004;

    public long RunId { get; set; }
    public int Sent { get; set; }
    public int Failed { get; set; }
    /// <summary>Failed with 43004: the follower left between paging and sending.</summary>
    public int Unfollowed { get; set; }
    public int Skipped { get; set; }
    /// <summary>Ledger rows of the run, known exactly once the run has ended (0 before).</summary>
    public int Rows { get; set; }
}

internal sealed class RunTallyConfiguration : IEntityTypeConfiguration<RunTally>
{
    public void Configure(EntityTypeBuilder<RunTally> entity)
    {
        entity.ToTable("RunTallies");
        entity.HasKey(t => t.RunId);
        entity.Property(t => t.RunId).ValueGeneratedNever();
        entity.HasOne<DeliveryRun>().WithMany().HasForeignKey(t => t.RunId).OnDelete(DeleteBehavior.Cascade);
    }
}
