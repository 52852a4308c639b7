using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using PushConsole.Accounts;
using PushConsole.Audit;
using PushConsole.Campaigns;
using PushConsole.Channels;
using PushConsole.Ledger;
using PushConsole.Credentials;
using PushConsole.MiniProgram;
using PushConsole.Templates;
using PushConsole.Users;
using PushConsole.WeChat;

namespace PushConsole.Persistence;

/// <summary>
/// The one database context of the console. Each feature keeps its entity configuration beside its
/// entities (IEntityTypeConfiguration classes) and they are picked up from this assembly.
/// </summary>
public class PushConsoleDbContext(DbContextOptions<PushConsoleDbContext> options)
    : IdentityDbContext<ConsoleUser, IdentityRole, string>(options), IDataProtectionKeyContext
{
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<WeChatAccount> Accounts => Set<WeChatAccount>();
    public DbSet<MessageTemplate> Templates => Set<MessageTemplate>();
    public DbSet<DeliveryRun> DeliveryRuns => Set<DeliveryRun>();
    public DbSet<Delivery> Deliveries => Set<Delivery>();
    public DbSet<StoredAccessToken> AccessTokens => Set<StoredAccessToken>();
    public DbSet<Campaign> Campaigns => Set<Campaign>();
    public DbSet<CampaignRecipient> CampaignRecipients => Set<CampaignRecipient>();
    public DbSet<Credential> Credentials => Set<Credential>();
    public DbSet<AvailableCredential> AvailableCredentials => Set<AvailableCredential>();
    public DbSet<MiniProgramUser> MiniProgramUsers => Set<MiniProgramUser>();
    public DbSet<ActivityEvent> ActivityEvents => Set<ActivityEvent>();
    public DbSet<Channel> Channels => Set<Channel>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(PushConsoleDbContext).Assembly);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite cannot compare or order DateTimeOffset columns in SQL, and the claim path orders by expiry.
        // Store every instant as UTC ticks there; PostgreSQL keeps its native timestamptz.
        if (Database.IsSqlite())
        {
            configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcTicksConverter>();
            configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<UtcTicksConverter>();
        }
    }

    private sealed class UtcTicksConverter() : ValueConverter<DateTimeOffset, long>(
        v => v.UtcTicks, v => new DateTimeOffset(v, TimeSpan.Zero));
}
