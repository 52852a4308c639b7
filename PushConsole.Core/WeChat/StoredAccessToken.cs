using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PushConsole.WeChat;

/// <summary>
/// The cluster's shared access token of one app, plus the lease a node holds while it fetches a new one, so that
/// several console nodes on one database make one token request instead of one each (and, on cgi-bin/token, do not
/// supersede each other's tokens).
/// </summary>
public sealed class StoredAccessToken
{
    public string AppId { get; set; } = "";
    /// <summary>The token, encrypted with Data Protection: it grants two hours of sending for the account.</summary>
    public string? TokenCipher { get; set; }
    public DateTimeOffset? FetchedAt { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    /// <summary>Grows by one with every stored token; invalidation clears a token only if this still matches.</summary>
    public long Version { get; set; }
    /// <summary>Which node (and fetch) holds the lease; null when free.</summary>
    public string? LeaseHolder { get; set; }
    public DateTimeOffset? LeaseUntil { get; set; }
}

internal sealed class StoredAccessTokenConfiguration : IEntityTypeConfiguration<StoredAccessToken>
{
    public void Configure(EntityTypeBuilder<StoredAccessToken> entity)
    {
        entity.ToTable("AccessTokens");
        entity.HasKey(t => t.AppId);
        entity.Property(t => t.AppId).HasMaxLength(64);
        entity.Property(t => t.TokenCipher).HasMaxLength(4000);
        entity.Property(t => t.LeaseHolder).HasMaxLength(200);
    }
}
