using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PushConsole.Accounts;

namespace PushConsole.Templates;

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<TemplateKind>))]
public enum TemplateKind
{
    /// <summary>Mini program template message, sent with a formId or prepay_id (retired by WeChat in 2020).</summary>
    MiniProgramTemplate = 1,
    /// <summary>Mini program subscribe message, sent with a one-time grant.</summary>
    Subscribe = 2,
    /// <summary>Official account template message, sent to followers.</summary>
    OfficialAccountTemplate = 3,
}

/// <summary>A WeChat message template of an account, with the value expression of each of its fields.</summary>
public sealed class MessageTemplate
{
    public int Id { get; set; }
    public int AccountId { get; set; }
    public WeChatAccount? Account { get; set; }
    public TemplateKind Kind { get; set; }
    /// <summary>WeChat's template id (priTmplId for subscribe messages).</summary>
    public string WeChatTemplateId { get; set; } = "";
    public string Title { get; set; } = "";
    /// <summary>The template content as WeChat lists it, e.g. "会议时间:{{date2.DATA}}\n".</summary>
    public string Content { get; set; } = "";
    public List<TemplateField> Fields { get; set; } = [];
    /// <summary>WeChat's example rendering of the template, shown to admins beside the preview.</summary>
    public string? Example { get; set; }
    /// <summary>Subscribe templates: long-term (type 3, one grant allows many sends) rather than one-time (type 2).</summary>
    public bool LongTerm { get; set; }
    /// <summary>Mini program page opened on tap (mini program kinds), may carry a query.</summary>
    public string? Page { get; set; }
    /// <summary>Link opened on tap (official account kind).</summary>
    public string? Url { get; set; }
    /// <summary>Mini program opened on tap from an official account message.</summary>
    public string? MiniProgramAppId { get; set; }
    public string? MiniProgramPagePath { get; set; }
    /// <summary>Keyword to enlarge, e.g. "keyword1.DATA" (legacy mini program template messages).</summary>
    public string? EmphasisKeyword { get; set; }
    /// <summary>Subscribe messages: which mini program build opens on tap (developer, trial, formal); null is WeChat's default, formal.</summary>
    public string? MiniProgramState { get; set; }
    /// <summary>Subscribe messages: language of the card (zh_CN, en_US, zh_HK, zh_TW); null is WeChat's default, zh_CN.</summary>
    public string? Lang { get; set; }
    public bool Enabled { get; set; } = true;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>One <c>{{key.DATA}}</c> of a template and how its value is made.</summary>
public sealed class TemplateField
{
    public string Key { get; set; } = "";
    /// <summary>The label before the placeholder in the content, e.g. "会议时间".</summary>
    public string Label { get; set; } = "";
    /// <summary>Static text with placeholders such as {date}, {user.openid}, {campaign.name}, {channel.startsAt}.</summary>
    public string ValueExpression { get; set; } = "";
    /// <summary>Text colour, honoured only by legacy kinds.</summary>
    public string? Color { get; set; }
    /// <summary>The allowed values of an enum/const key (WeChat's keywordEnumValueList); null when WeChat did not list any.</summary>
    public List<string>? EnumValues { get; set; }
}

internal sealed class MessageTemplateConfiguration : IEntityTypeConfiguration<MessageTemplate>
{
    public void Configure(EntityTypeBuilder<MessageTemplate> entity)
    {
        entity.ToTable("Templates");
        entity.HasIndex(t => new { t.AccountId, t.WeChatTemplateId }).IsUnique();
        entity.Property(t => t.WeChatTemplateId).HasMaxLength(128);
        entity.Property(t => t.Title).HasMaxLength(200);
        entity.Property(t => t.Content).HasMaxLength(2000);
        entity.Property(t => t.Example).HasMaxLength(2000);
        entity.Property(t => t.Page).HasMaxLength(500);
        entity.Property(t => t.Url).HasMaxLength(1000);
        entity.Property(t => t.MiniProgramAppId).HasMaxLength(64);
        entity.Property(t => t.MiniProgramPagePath).HasMaxLength(500);
        entity.Property(t => t.EmphasisKeyword).HasMaxLength(64);
        entity.Property(t => t.MiniProgramState).HasMaxLength(16);
        entity.Property(t => t.Lang).HasMaxLength(16);
        entity.HasOne(t => t.Account).WithMany().HasForeignKey(t => t.AccountId).OnDelete(DeleteBehavior.Cascade);
        // Fields are a small value list owned by the template; JSON keeps them in one row on every provider.
        entity.OwnsMany(t => t.Fields, fields => fields.ToJson());
    }
}
