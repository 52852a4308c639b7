using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PushConsole.Ledger;

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<RunKind>))]
public enum RunKind
{
    Campaign = 1,
    Broadcast = 2,
    /// <summary>A transactional message: one recipient, sent at once on a request of the app's backend.</summary>
    Message = 3,
}

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<RunStatus>))]
public enum RunStatus
{
    /// <summary>Created, waiting for its first batch.</summary>
    Pending = 0,
    Running = 1,
    /// <summary>Stopped by a person; resume continues where it stopped.</summary>
    Paused = 2,
    /// <summary>Waiting for <see cref="DeliveryRun.HeldUntil"/> (daily quota reached, quiet hours).</summary>
    Held = 3,
    Completed = 4,
    Canceled = 5,
    Failed = 6,
}

/// <summary>
/// One execution of a campaign or one occurrence of a channel broadcast. Its <see cref="FireKey"/> is unique, so a
/// scheduler firing the same trigger twice finds the run that exists instead of starting another.
/// </summary>
public sealed class DeliveryRun
{
    public long Id { get; set; }
    public RunKind Kind { get; set; }
    /// <summary>What this run is for, e.g. "campaign:12:2026-11-22T02:00:00Z" or "channel:4:occurrence:2".</summary>
    public string FireKey { get; set; } = "";
    public string Name { get; set; } = "";
    public int AccountId { get; set; }
    public int TemplateId { get; set; }
    public int? CampaignId { get; set; }
    public int? ChannelId { get; set; }
    public RunStatus Status { get; set; }
    /// <summary>Why the run is held, failed or canceled, in words an operator reads.</summary>
    public string? StatusReason { get; set; }
    public DateTimeOffset? HeldUntil { get; set; }
    /// <summary>Recipients expected in all (known up front for campaigns; user/get's total for broadcasts).</summary>
    public int? ExpectedTotal { get; set; }
    /// <summary>Where audience collection stands (e.g. next_openid after the last checkpointed page).</summary>
    public string? Cursor { get; set; }
    /// <summary>True once every recipient has a ledger row; the run is done when, in addition, none is pending.</summary>
    public bool AudienceComplete { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    /// <summary>Optimistic concurrency for status changes coming from the UI and jobs at once.</summary>
    public int Version { get; set; }
}

internal sealed class DeliveryRunConfiguration : IEntityTypeConfiguration<DeliveryRun>
{
    public void Configure(EntityTypeBuilder<DeliveryRun> entity)
    {
        entity.ToTable("DeliveryRuns");
        entity.HasIndex(r => r.FireKey).IsUnique();
        entity.HasIndex(r => new { r.CampaignId, r.Id });
        entity.HasIndex(r => new { r.ChannelId, r.Id });
        entity.HasIndex(r => r.Status);
        entity.Property(r => r.FireKey).HasMaxLength(200);
        entity.Property(r => r.Name).HasMaxLength(200);
        entity.Property(r => r.StatusReason).HasMaxLength(1000);
        entity.Property(r => r.Cursor).HasMaxLength(200);
        entity.Property(r => r.Version).IsConcurrencyToken();
    }
}
