using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PushConsole.Ledger;

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<DeliveryStatus>))]
public enum DeliveryStatus
{
    Pending = 0,
    /// <summary>Taken by a sender. A row left here by a crash is sent again with the same credential / client_msg_id.</summary>
    Sending = 1,
    Sent = 2,
    Failed = 3,
    Skipped = 4,
}

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<SkipReason>))]
public enum SkipReason
{
    None = 0,
    NoCredential = 1,
    /// <summary>The per-user daily cap was reached (counted across campaigns).</summary>
    Capped = 2,
    QuietHours = 3,
    Canceled = 4,
}

/// <summary>
/// The delivery ledger: one row per (run, recipient). It alone decides whether a message may go out — a row is sent
/// only by whoever moved it from Pending to Sending — so duplicate fires, retries and several nodes are harmless.
/// </summary>
public sealed class Delivery
{
    public long Id { get; set; }
    public long RunId { get; set; }
    public int AccountId { get; set; }
    public string Recipient { get; set; } = "";
    public DeliveryStatus Status { get; set; }
    public SkipReason SkipReason { get; set; }
    public int? ErrCode { get; set; }
    public string? ErrMsg { get; set; }
    public long? MsgId { get; set; }
    /// <summary>The credential claimed for this row; kept so a resend after a crash uses the same one.</summary>
    public long? CredentialId { get; set; }
    public int Attempts { get; set; }
    /// <summary>The account-local day the row counts toward for the per-user daily cap.</summary>
    public DateOnly LocalDay { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? SendingSince { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>Idempotency key for official account sends: WeChat delivers one message per (openid, client_msg_id).</summary>
    public string ClientMsgId => ClientMsgIdOf(Id);

    public static string ClientMsgIdOf(long deliveryId) => $"pc-{deliveryId}";
}

internal sealed class DeliveryConfiguration : IEntityTypeConfiguration<Delivery>
{
    public void Configure(EntityTypeBuilder<Delivery> entity)
    {
        entity.ToTable("Deliveries");
        entity.HasIndex(d => new { d.RunId, d.Recipient }).IsUnique();
        entity.HasIndex(d => new { d.RunId, d.Status, d.Id });
        // The per-user daily cap counts sent rows of a user on a local day across runs.
        entity.HasIndex(d => new { d.AccountId, d.Recipient, d.LocalDay });
        // The outcomes dashboard counts rows per day and status.
        entity.HasIndex(d => new { d.LocalDay, d.Status });
        entity.Property(d => d.Recipient).HasMaxLength(128);
        entity.Property(d => d.ErrMsg).HasMaxLength(500);
        entity.HasOne<DeliveryRun>().WithMany().HasForeignKey(d => d.RunId).OnDelete(DeleteBehavior.Cascade);
    }
}
