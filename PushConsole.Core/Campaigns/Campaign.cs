using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PushConsole.Accounts;
using PushConsole.Ledger;
using PushConsole.Templates;

namespace PushConsole.Campaigns;

/// <summary>Who a campaign sends to; resolved afresh each time it fires.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<AudienceKind>))]
public enum AudienceKind
{
    /// <summary>Every user of the account who holds a usable credential for the template (formId, prepay_id or grant).</summary>
    UsableCredential = 1,
    /// <summary>Known users with no check-in since local midnight in the account's time zone (the daily reminder).</summary>
    NotActiveToday = 2,
    /// <summary>The openids uploaded with the campaign (CSV).</summary>
    UploadedList = 3,
}

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<ScheduleKind>))]
public enum ScheduleKind
{
    /// <summary>Fires once, when the campaign is created.</summary>
    Now = 1,
    /// <summary>Fires once at <see cref="Campaign.StartAt"/>.</summary>
    Once = 2,
    /// <summary>Fires on <see cref="Campaign.Cron"/> in <see cref="Campaign.TimeZone"/>.</summary>
    Recurring = 3,
}

/// <summary>A push to an audience with one template, sent now, once later, or on a recurring schedule.</summary>
public sealed class Campaign
{
    public const int DefaultDailyCap = 1;

    public int Id { get; set; }
    public string Name { get; set; } = "";
    public int AccountId { get; set; }
    public WeChatAccount? Account { get; set; }
    public int TemplateId { get; set; }
    public MessageTemplate? Template { get; set; }
    public AudienceKind Audience { get; set; }
    /// <summary>How many openids were uploaded (the rows are in <see cref="CampaignRecipient"/>).</summary>
    public int UploadedCount { get; set; }
    public ScheduleKind Schedule { get; set; }
    public DateTimeOffset? StartAt { get; set; }
    /// <summary>Quartz cron (seconds first) as stored; five-field crontab input is converted on save.</summary>
    public string? Cron { get; set; }
    /// <summary>IANA time zone the cron is read in; the account's zone when empty.</summary>
    public string? TimeZone { get; set; }
    /// <summary>At most this many messages per user per account-local day, counted across campaigns.</summary>
    public int DailyCapPerUser { get; set; } = DefaultDailyCap;
    /// <summary>False stops the schedule from firing; runs already started are controlled on their own.</summary>
    public bool Enabled { get; set; } = true;
    public string CreatedBy { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>One openid of a campaign's uploaded audience.</summary>
public sealed class CampaignRecipient
{
    public int CampaignId { get; set; }
    public string OpenId { get; set; } = "";

    public const int MaxOpenIdLength = 128;
}

internal sealed class CampaignConfiguration : IEntityTypeConfiguration<Campaign>
{
    public void Configure(EntityTypeBuilder<Campaign> entity)
    {
        entity.ToTable("Campaigns");
        entity.Property(c => c.Name).HasMaxLength(200);
        entity.Property(c => c.Cron).HasMaxLength(120);
        entity.Property(c => c.TimeZone).HasMaxLength(64);
        entity.Property(c => c.CreatedBy).HasMaxLength(256);
        entity.HasOne(c => c.Account).WithMany().HasForeignKey(c => c.AccountId).OnDelete(DeleteBehavior.Cascade);
        // A template in use by a campaign is not deleted from under it (every run would fail). NO ACTION rather than
        // RESTRICT: the check runs at the end of the statement, so deleting the account cascades to both at once.
        entity.HasOne(c => c.Template).WithMany().HasForeignKey(c => c.TemplateId).OnDelete(DeleteBehavior.NoAction);
        // Runs outlive their campaign: the outcomes stay readable after the campaign is deleted.
        entity.HasMany<DeliveryRun>().WithOne().HasForeignKey(r => r.CampaignId).OnDelete(DeleteBehavior.SetNull);
    }
}

internal sealed class CampaignRecipientConfiguration : IEntityTypeConfiguration<CampaignRecipient>
{
    public void Configure(EntityTypeBuilder<CampaignRecipient> entity)
    {
        entity.ToTable("CampaignRecipients");
        entity.HasKey(r => new { r.CampaignId, r.OpenId });
        entity.Property(r => r.OpenId).HasMaxLength(CampaignRecipient.MaxOpenIdLength);
        entity.HasOne<Campaign>().WithMany().HasForeignKey(r => r.CampaignId).OnDelete(DeleteBehavior.Cascade);
    }
}
