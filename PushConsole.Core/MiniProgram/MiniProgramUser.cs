using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PushConsole.Accounts;

namespace PushConsole.MiniProgram;

/// <summary>A user who logged in to a mini program through the console; the audience the inventory measures.</summary>
public sealed class MiniProgramUser
{
    public long Id { get; set; }
    public int AccountId { get; set; }
    public WeChatAccount? Account { get; set; }
    public string OpenId { get; set; } = "";
    /// <summary>Present only when the mini program is bound to an Open Platform account.</summary>
    public string? UnionId { get; set; }
    public DateTimeOffset FirstSeenAt { get; set; }
    public DateTimeOffset LastLoginAt { get; set; }
}

internal sealed class MiniProgramUserConfiguration : IEntityTypeConfiguration<MiniProgramUser>
{
    public void Configure(EntityTypeBuilder<MiniProgramUser> entity)
    {
        entity.ToTable("MiniProgramUsers");
        entity.Property(u => u.OpenId).HasMaxLength(64);
        entity.Property(u => u.UnionId).HasMaxLength(64);
        entity.HasIndex(u => new { u.AccountId, u.OpenId }).IsUnique();
        entity.HasOne(u => u.Account).WithMany().HasForeignKey(u => u.AccountId).OnDelete(DeleteBehavior.Cascade);
    }
}
