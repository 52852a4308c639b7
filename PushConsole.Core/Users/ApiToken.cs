using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PushConsole.Users;

/// <summary>A personal API token. Only its SHA-256 hash is stored; the plain value is shown once at creation.</summary>
public sealed class ApiToken
{
    public long Id { get; set; }
    public string UserId { get; set; } = "";
    public string Name { get; set; } = "";
    /// <summary>Hex SHA-256 of the token; tokens are 256-bit random so a plain hash is enough.</summary>
    public string Hash { get; set; } = "";
    /// <summary>First characters of the token, so a user can tell tokens apart in the list.</summary>
    public string Prefix { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }

    public const string PlainPrefix = "pct_";

    public static string NewPlainValue() =>
        PlainPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string HashOf(string plain) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(plain)));
}

internal sealed class ApiTokenConfiguration : IEntityTypeConfiguration<ApiToken>
{
    public void Configure(EntityTypeBuilder<ApiToken> entity)
    {
        entity.ToTable("ApiTokens");
        entity.HasIndex(t => t.Hash).IsUnique();
        entity.HasIndex(t => t.UserId);
        entity.Property(t => t.Hash).HasMaxLength(64);
        entity.Property(t => t.Prefix).HasMaxLength(16);
        entity.Property(t => t.Name).HasMaxLength(100);
        entity.HasOne<ConsoleUser>().WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
