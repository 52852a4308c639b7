using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PushConsole.Messages;

/// <summary>Where an account's transactional message outcomes are POSTed, and the secret that signs them.</summary>
public sealed class MessageWebhook
{
    public int AccountId { get; set; }
    public string Url { get; set; } = "";
    /// <summary>The signing secret, encrypted with Data Protection; shown in plain once, when it is made.</summary>
    public string SecretCipher { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public const int MaxUrlLength = 1000;
}

/// <summary>
/// One outcome callback of one message: its event id is made once and kept across every retry, so the receiver can
/// drop repeats (delivery is at least once). One per message, enforced by a unique key.
/// </summary>
public sealed class MessageCallback
{
    public long Id { get; set; }
    public long MessageId { get; set; }
    public int AccountId { get; set; }
    public string EventId { get; set; } = "";
    /// <summary>The JSON body, fixed when the outcome was known, so every attempt sends the same bytes.</summary>
    public string Body { get; set; } = "";
    public int Attempts { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }
    /// <summary>Retries stop here (24 h after the outcome).</summary>
    public DateTimeOffset GiveUpAt { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class MessageWebhookConfiguration : IEntityTypeConfiguration<MessageWebhook>
{
    public void Configure(EntityTypeBuilder<MessageWebhook> entity)
    {
        entity.ToTable("MessageWebhooks");
        entity.HasKey(w => w.AccountId);
        entity.Property(w => w.AccountId).ValueGeneratedNever();
        entity.Property(w => w.Url).HasMaxLength(MessageWebhook.MaxUrlLength);
    }
}

internal sealed class MessageCallbackConfiguration : IEntityTypeConfiguration<MessageCallback>
{
    public void Configure(EntityTypeBuilder<MessageCallback> entity)
    {
        entity.ToTable("MessageCallbacks");
        entity.HasIndex(c => c.MessageId).IsUnique();
        entity.HasIndex(c => c.EventId).IsUnique();
        // The dispatcher's question: undelivered callbacks due now.
        entity.HasIndex(c => new { c.DeliveredAt, c.NextAttemptAt });
        entity.Property(c => c.EventId).HasMaxLength(64);
        entity.Property(c => c.LastError).HasMaxLength(500);
    }
}
