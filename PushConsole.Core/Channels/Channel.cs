using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PushConsole.Accounts;
using PushConsole.Templates;

namespace PushConsole.Channels;

/// <summary>Where the live-start reminder of a channel's current occurrence stands.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<ReminderStatus>))]
public enum ReminderStatus
{
    NotNotified = 0,
    /// <summary>The broadcast to the followers is running.</summary>
    Notifying = 1,
    Notified = 2,
    /// <summary>The broadcast stopped on an error that would hit every follower (see the reason).</summary>
    Failed = 3,
    /// <summary>The console was down at reminder time and the live had begun when it came back.</summary>
    Missed = 4,
    Canceled = 5,
}

/// <summary>
/// A live broadcast viewers follow through an official account. Before it starts, every follower of the account gets
/// the channel's template message (the reminder). Moving the start after a finished reminder opens a new
/// <see cref="Occurrence"/>, which is reminded of afresh.
/// </summary>
public sealed class Channel
{
    public int Id { get; set; }
    /// <summary>The channel's id in its public page's address (/live/{PublicId}): random, so pages cannot be enumerated.</summary>
    public string PublicId { get; set; } = NewPublicId();
    public string Name { get; set; } = "";
    public int AccountId { get; set; }
    public WeChatAccount? Account { get; set; }
    /// <summary>When the live starts (an instant; shown in <see cref="TimeZone"/>).</summary>
    public DateTimeOffset StartsAt { get; set; }
    /// <summary>IANA time zone the start was given in and is shown in, e.g. Asia/Shanghai.</summary>
    public string TimeZone { get; set; } = "Asia/Shanghai";
    /// <summary>The official account template sent as the reminder.</summary>
    public int? TemplateId { get; set; }
    /// <summary>Value of each template field, with placeholders such as {channel.name} and {channel.startsAt}.</summary>
    public List<ChannelField> Fields { get; set; } = [];
    /// <summary>Link opened on tap.</summary>
    public string? Url { get; set; }
    /// <summary>Mini program opened on tap (preferred by WeChat over <see cref="Url"/> when both are set).</summary>
    public string? MiniProgramAppId { get; set; }
    public string? MiniProgramPagePath { get; set; }

    public bool ReminderEnabled { get; set; }
    /// <summary>How long before the start the reminder goes out (1–1440 minutes).</summary>
    public int ReminderMinutesAhead { get; set; } = 30;
    public ReminderStatus ReminderStatus { get; set; }
    /// <summary>Why the reminder failed, was missed or canceled, or what a finished one achieved, for people.</summary>
    public string? ReminderReason { get; set; }
    /// <summary>1 for the first start; one more each time the start moves after a finished reminder.</summary>
    public int Occurrence { get; set; } = 1;
    /// <summary>The delivery run of the current occurrence, once its reminder fired.</summary>
    public long? CurrentRunId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>Optimistic concurrency: bumped by every change, from editors and from the reminder machinery.</summary>
    public int Version { get; set; }

    public DateTimeOffset RemindAt => StartsAt.AddMinutes(-ReminderMinutesAhead);

    /// <summary>The ledger's fire key of an occurrence: one run per occurrence, however often the trigger fires.</summary>
    public static string FireKeyOf(int channelId, int occurrence) => $"channel:{channelId}:occurrence:{occurrence}";

    /// <summary>128 random bits in base64url (22 characters).</summary>
    public static string NewPublicId() =>
        Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool IsFinished(ReminderStatus status) =>
        status is ReminderStatus.Notified or ReminderStatus.Failed or ReminderStatus.Missed or ReminderStatus.Canceled;
}

/// <summary>The value of one <c>{{key.DATA}}</c> of the channel's template.</summary>
public sealed class ChannelField
{
    public string Key { get; set; } = "";
    public string Value { get; set; } = "";
}

internal sealed class ChannelConfiguration : IEntityTypeConfiguration<Channel>
{
    public void Configure(EntityTypeBuilder<Channel> entity)
    {
        entity.ToTable("Channels");
        entity.Property(c => c.Name).HasMaxLength(100);
        entity.Property(c => c.PublicId).HasMaxLength(32);
        entity.HasIndex(c => c.PublicId).IsUnique();
        entity.Property(c => c.TimeZone).HasMaxLength(64);
        entity.Property(c => c.Url).HasMaxLength(1000);
        entity.Property(c => c.MiniProgramAppId).HasMaxLength(64);
        entity.Property(c => c.MiniProgramPagePath).HasMaxLength(500);
        entity.Property(c => c.ReminderReason).HasMaxLength(1000);
        entity.Property(c => c.Version).IsConcurrencyToken();
        entity.Ignore(c => c.RemindAt);
        // The broadcast worker looks for channels being notified.
        entity.HasIndex(c => c.ReminderStatus);
        entity.HasOne(c => c.Account).WithMany().HasForeignKey(c => c.AccountId).OnDelete(DeleteBehavior.Cascade);
        // A deleted template leaves the channel without one; the reminder then fails with that reason. TemplateService
        // clears the reference itself: SQL Server refuses a second cascading path from an account (account → channel,
        // account → template → channel), so no database may do it.
        entity.HasOne<MessageTemplate>().WithMany().HasForeignKey(c => c.TemplateId).OnDelete(DeleteBehavior.NoAction);
        entity.OwnsMany(c => c.Fields, fields => fields.ToJson());
    }
}
