using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PushConsole.Accounts;

namespace PushConsole.Credentials;

/// <summary>
/// Open credentials (status Available) of one kind, template and expiry quarter-hour: what the inventory's
/// "available", "grants" and "expiring within" figures add up instead of counting rows. Kept in the same transaction
/// as every write to the credential rows. <see cref="Stripe"/> spreads concurrent writers over several rows of the
/// same key (PostgreSQL, SQL Server), so they do not queue on one row lock; readers add the stripes up.
/// </summary>
public sealed class CredentialTally
{
    public int AccountId { get; set; }
    public CredentialKind Kind { get; set; }
    /// <summary>The grant's template; 0 for formIds and prepay_ids (a key column cannot be NULL).</summary>
    public int TemplateId { get; set; }
    /// <summary>The quarter-hour the credentials expire in (<see cref="Quarters"/>); 0 for grants, which never expire.</summary>
    public long ExpiryQuarter { get; set; }
    public int Stripe { get; set; }
    public long Credentials { get; set; }
    public long Uses { get; set; }
}

/// <summary>
/// How many open credentials one user holds (every kind, expired-but-unswept included): the per-user figures (reachable
/// users, the spread, the top users) read these instead of grouping the credential rows by user.
/// </summary>
public sealed class CredentialHolder
{
    public int AccountId { get; set; }
    public string OpenId { get; set; } = "";
    public int Credentials { get; set; }
    /// <summary>1 once the user has logged in (a <see cref="MiniProgram.MiniProgramUser"/> row exists), else 0.</summary>
    public int Known { get; set; }
}

/// <summary>How many users (logged in or not: <see cref="Known"/>) hold exactly <see cref="Held"/> open credentials (0 is not counted).</summary>
public sealed class HolderSpread
{
    public int AccountId { get; set; }
    public int Held { get; set; }
    public int Known { get; set; }
    public int Stripe { get; set; }
    public long Users { get; set; }
}

/// <summary>Credential rows received in, and closed as expired in, one quarter-hour: the daily charts add these up.</summary>
public sealed class CredentialQuarter
{
    public int AccountId { get; set; }
    public long Quarter { get; set; }
    public int Stripe { get; set; }
    public long Received { get; set; }
    public long Expired { get; set; }
}

/// <summary>
/// Instants as quarter-hours since 0001-01-01 UTC. Every time zone's offset is a whole number of quarter-hours, so
/// local days are whole runs of quarters and the daily charts stay exact in any zone.
/// </summary>
public static class Quarters
{
    public const long Ticks = TimeSpan.TicksPerMinute * 15;

    public static long Of(DateTimeOffset instant) => instant.UtcTicks / Ticks;

    public static DateTimeOffset Start(long quarter) => new(quarter * Ticks, TimeSpan.Zero);
}

internal sealed class CredentialTallyConfiguration :
    IEntityTypeConfiguration<CredentialTally>, IEntityTypeConfiguration<CredentialHolder>,
    IEntityTypeConfiguration<HolderSpread>, IEntityTypeConfiguration<CredentialQuarter>
{
    public void Configure(EntityTypeBuilder<CredentialTally> entity)
    {
        entity.ToTable("CredentialTallies");
        entity.HasKey(t => new { t.AccountId, t.Kind, t.TemplateId, t.ExpiryQuarter, t.Stripe });
        entity.HasOne<WeChatAccount>().WithMany().HasForeignKey(t => t.AccountId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<CredentialHolder> entity)
    {
        entity.ToTable("CredentialHolders");
        entity.HasKey(h => new { h.AccountId, h.OpenId });
        entity.Property(h => h.OpenId).HasMaxLength(Credential.MaxOpenIdLength);
        // The top users: most credentials first, then by openid, straight from the index.
        entity.HasIndex(h => new { h.AccountId, h.Credentials, h.OpenId }).IsDescending(false, true, false)
            .HasDatabaseName("IX_CredentialHolders_Top");
        entity.HasOne<WeChatAccount>().WithMany().HasForeignKey(h => h.AccountId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<HolderSpread> entity)
    {
        entity.ToTable("HolderSpreads");
        entity.HasKey(s => new { s.AccountId, s.Held, s.Known, s.Stripe });
        entity.HasOne<WeChatAccount>().WithMany().HasForeignKey(s => s.AccountId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<CredentialQuarter> entity)
    {
        entity.ToTable("CredentialQuarters");
        entity.HasKey(q => new { q.AccountId, q.Quarter, q.Stripe });
        entity.HasOne<WeChatAccount>().WithMany().HasForeignKey(q => q.AccountId).OnDelete(DeleteBehavior.Cascade);
    }
}

/// <summary>What the tallies count of one credential row.</summary>
internal readonly record struct CredentialState(
    long Id, int AccountId, string OpenId, CredentialKind Kind, int? TemplateId, int UsesLeft, CredentialStatus Status,
    DateTimeOffset ReceivedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? ClosedAt);

/// <summary>
/// The change one transaction makes to the tallies, added up per key so a batch writes each tally row once. Writers
/// add the rows they change (before with -1, after with +1), or the claims they made.
/// </summary>
internal sealed class TallyDelta
{
    public Dictionary<(int Account, CredentialKind Kind, int Template, long Quarter), (long Credentials, long Uses)> Pool { get; } = [];
    public Dictionary<(int Account, string OpenId), (int Credentials, int Known)> Holders { get; } = [];
    public Dictionary<(int Account, long Quarter), (long Received, long Expired)> Days { get; } = [];
    /// <summary>Direct corrections of the spread (reconciliation only); holder changes move the spread by themselves.</summary>
    public Dictionary<(int Account, int Held, int Known), long> Spread { get; } = [];

    public bool IsEmpty => Pool.Count == 0 && Holders.Count == 0 && Days.Count == 0 && Spread.Count == 0;

    /// <summary>Counts (sign +1) or uncounts (-1) a row as it is stored.</summary>
    public void Add(in CredentialState row, int sign)
    {
        if (row.Status == CredentialStatus.Available)
        {
            AddOpen(row.AccountId, row.OpenId, row.Kind, row.TemplateId, row.ExpiresAt, sign, sign * (long)row.UsesLeft);
        }
        AddDay(row.AccountId, Quarters.Of(row.ReceivedAt), sign, 0);
        if (row.Status == CredentialStatus.Expired && row.ClosedAt is { } closedAt)
        {
            AddDay(row.AccountId, Quarters.Of(closedAt), 0, sign);
        }
    }

    /// <summary>A new row, as inserted by the intake.</summary>
    public void Inserted(int accountId, string openId, CredentialKind kind, int? templateId, int uses, DateTimeOffset receivedAt, DateTimeOffset? expiresAt)
    {
        AddOpen(accountId, openId, kind, templateId, expiresAt, 1, uses);
        AddDay(accountId, Quarters.Of(receivedAt), 1, 0);
    }

    /// <summary>One use taken by a claim; <see cref="CredentialClaim.UsesLeft"/> 0 means the credential closed.</summary>
    public void Claimed(CredentialClaim claim) =>
        AddOpen(claim.AccountId, claim.OpenId, claim.Kind, claim.TemplateId, claim.ExpiresAt, claim.UsesLeft == 0 ? -1 : 0, -1);

    /// <summary>The change from <paramref name="before"/> to <paramref name="after"/> (rows missing after were deleted).</summary>
    public void Changed(IEnumerable<CredentialState> before, IEnumerable<CredentialState> after)
    {
        foreach (var row in before)
        {
            Add(row, -1);
        }
        foreach (var row in after)
        {
            Add(row, +1);
        }
    }

    public void AddOpen(int accountId, string openId, CredentialKind kind, int? templateId, DateTimeOffset? expiresAt, int credentials, long uses)
    {
        var key = (accountId, kind, templateId ?? 0, expiresAt is { } e ? Quarters.Of(e) : 0L);
        var (c, u) = Pool.GetValueOrDefault(key);
        Pool[key] = (c + credentials, u + uses);
        if (credentials != 0)
        {
            AddHolder(accountId, openId, credentials, 0);
        }
    }

    /// <summary>A user's count of open credentials and whether they logged in (<see cref="CredentialHolder.Known"/>).</summary>
    public void AddHolder(int accountId, string openId, int credentials, int known)
    {
        var (c, k) = Holders.GetValueOrDefault((accountId, openId));
        Holders[(accountId, openId)] = (c + credentials, k + known);
    }

    public void AddDay(int accountId, long quarter, long received, long expired)
    {
        var (r, e) = Days.GetValueOrDefault((accountId, quarter));
        Days[(accountId, quarter)] = (r + received, e + expired);
    }
}
