using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PushConsole.Accounts;

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<AccountKind>))]
public enum AccountKind { MiniProgram = 1, OfficialAccount = 2 }

/// <summary>How the console obtains access tokens: stable_token is safe when several servers share an app.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<TokenMode>))]
public enum TokenMode { Stable = 1, Classic = 2 }

/// <summary>A WeChat mini program or official account the console sends for.</summary>
public sealed class WeChatAccount
{
    public int Id { get; set; }
    public string Name { get; set; } = "";
    public AccountKind Kind { get; set; }
    public string AppId { get; set; } = "";
    /// <summary>The AppSecret, encrypted with Data Protection (purpose <see cref="AccountSecretProtector.Purpose"/>); never shown back.</summary>
    public string SecretCipher { get; set; } = "";
    /// <summary>The WeChat API host: https://api.weixin.qq.com in production, the simulator otherwise.</summary>
    public string ApiBaseUrl { get; set; } = "";
    public int SendRatePerSecond { get; set; } = 200;
    public int DailyQuota { get; set; } = 100_000;
    public string TimeZone { get; set; } = "Asia/Shanghai";
    public TokenMode TokenMode { get; set; } = TokenMode.Stable;
    /// <summary>Local time of day from which sends are held (null: no quiet hours).</summary>
    public TimeOnly? QuietFrom { get; set; }
    /// <summary>Local time of day at which held sends may go out again.</summary>
    public TimeOnly? QuietUntil { get; set; }
    /// <summary>Link that opens the official account's follow page; public channel pages show it as a QR code.</summary>
    public string? FollowUrl { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class WeChatAccountConfiguration : IEntityTypeConfiguration<WeChatAccount>
{
    public void Configure(EntityTypeBuilder<WeChatAccount> entity)
    {
        entity.ToTable("Accounts");
        entity.HasIndex(a => a.AppId).IsUnique();
        entity.Property(a => a.Name).HasMaxLength(100);
        entity.Property(a => a.AppId).HasMaxLength(64);
        entity.Property(a => a.ApiBaseUrl).HasMaxLength(500);
        entity.Property(a => a.TimeZone).HasMaxLength(64);
        entity.Property(a => a.FollowUrl).HasMaxLength(1000);
    }
}
