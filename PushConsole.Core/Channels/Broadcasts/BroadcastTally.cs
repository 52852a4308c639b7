using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PushConsole.Ledger;

namespace PushConsole.Channels.Broadcasts;

/// <summary>
/// Running totals of a broadcast run, moved in the same transaction as the ledger rows they count, so the screens and
/// the API read a progress bar from one row instead of counting a million. When the run ends the totals are recounted
/// from the rows themselves.
/// </summary>
public sealed class BroadcastTally
{
    public long RunId { get; set; }
    public int Sent { get; set; }
    public int Failed { get; set; }
    /// <summary>Failed with 43004: the follower left between paging and sending.</summary>
    public int Unfollowed { get; set; }
    public int Skipped { get; set; }
    /// <summary>Ledger rows of the run, known exactly once the run has ended (0 before).</summary>
    public int Rows { get; set; }
}

internal sealed class BroadcastTallyConfiguration : IEntityTypeConfiguration<BroadcastTally>
{
    public void Configure(EntityTypeBuilder<BroadcastTally> entity)
    {
        entity.ToTable("BroadcastTallies");
        entity.HasKey(t => t.RunId);
        entity.Property(t => t.RunId).ValueGeneratedNever();
        entity.HasOne<DeliveryRun>().WithMany().HasForeignKey(t => t.RunId).OnDelete(DeleteBehavior.Cascade);
    }
}
