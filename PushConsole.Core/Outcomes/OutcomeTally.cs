using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PushConsole.Ledger;

namespace PushConsole.Outcomes;

/// <summary>
/// Finished ledger rows of one account, local day, kind of run and outcome (status, skip reason, errcode): what the
/// outcome charts add up instead of grouping the ledger. Kept by triggers on the ledger table
/// (<see cref="OutcomeTallyTriggers"/>), so every statement that finishes, changes or deletes a finished row updates
/// it in its own transaction, whichever part of the engine wrote it. <see cref="Stripe"/> is the writing
/// connection's server process on PostgreSQL and SQL Server: two transactions never update the same tally row, so
/// the ledger's writers neither queue nor deadlock on it; readers add the stripes up.
/// </summary>
public sealed class OutcomeTally
{
    /// <summary>The <see cref="ErrCode"/> of rows without an errcode (a key column cannot be NULL).</summary>
    public const int NoErrCode = int.MinValue;

    public int AccountId { get; set; }
    public DateOnly LocalDay { get; set; }
    public RunKind RunKind { get; set; }
    public DeliveryStatus Status { get; set; }
    public SkipReason SkipReason { get; set; }
    public int ErrCode { get; set; }
    public int Stripe { get; set; }
    public long Count { get; set; }
}

internal sealed class OutcomeTallyConfiguration : IEntityTypeConfiguration<OutcomeTally>
{
    public void Configure(EntityTypeBuilder<OutcomeTally> entity)
    {
        entity.ToTable("OutcomeTallies");
        // No foreign key to the account: the triggers write while an account's rows are deleted by its cascade.
        entity.HasKey(t => new { t.AccountId, t.LocalDay, t.RunKind, t.Status, t.SkipReason, t.ErrCode, t.Stripe });
        entity.HasIndex(t => t.LocalDay).HasDatabaseName("IX_OutcomeTallies_Day");
    }
}
