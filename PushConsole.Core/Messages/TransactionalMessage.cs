using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PushConsole.Messages;

/// <summary>
/// A message the app's backend asked for (POST /api/v1/messages): who, which template, the caller's data, and the
/// one-recipient run that sends it. Whether it went out is the run's ledger row, not a column here. The idempotency
/// key is unique per account in the database, so the same key never makes a second message, whichever node is asked.
/// </summary>
public sealed class TransactionalMessage
{
    public long Id { get; set; }
    public int AccountId { get; set; }
    public int TemplateId { get; set; }
    public string OpenId { get; set; } = "";
    /// <summary>The caller's Idempotency-Key; cleared when a request with the same key comes more than 24 h later.</summary>
    public string? IdempotencyKey { get; set; }
    /// <summary>SHA-256 of the request as understood, so a key reused for another message is refused, not answered with the first.</summary>
    public string RequestHash { get; set; } = "";
    /// <summary>The data and jump targets to send (<see cref="MessagePayload"/> as JSON).</summary>
    public string Payload { get; set; } = "";
    /// <summary>The run that sends it, written in the message's own transaction (null only for a message recorded before that).</summary>
    public long? RunId { get; set; }
    /// <summary>Who asked: the API token's user.</summary>
    public string RequestedBy { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }

    public const int MaxIdempotencyKeyLength = 200;

    /// <summary>The run's fire key: one run per message, so creating it twice (a retry, recovery) finds the first.</summary>
    public static string FireKeyOf(long messageId) => $"message:{messageId}";
}

internal sealed class TransactionalMessageConfiguration : IEntityTypeConfiguration<TransactionalMessage>
{
    public void Configure(EntityTypeBuilder<TransactionalMessage> entity)
    {
        entity.ToTable("TransactionalMessages");
        // The idempotency guarantee across retries, concurrent calls and nodes. NULL keys never collide (on SQL Server
        // EF filters the index to non-NULL keys).
        entity.HasIndex(m => new { m.AccountId, m.IdempotencyKey }).IsUnique();
        // The console's list: per account, newest first, filtered by user or template.
        entity.HasIndex(m => new { m.AccountId, m.CreatedAt });
        entity.HasIndex(m => new { m.AccountId, m.OpenId });
        entity.HasIndex(m => m.RunId);
        entity.Property(m => m.OpenId).HasMaxLength(128);
        entity.Property(m => m.IdempotencyKey).HasMaxLength(TransactionalMessage.MaxIdempotencyKeyLength);
        entity.Property(m => m.RequestHash).HasMaxLength(64);
        entity.Property(m => m.RequestedBy).HasMaxLength(450);
    }
}
