using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;
using PushConsole.Persistence;

namespace PushConsole.Accounts;

/// <summary>What an admin may set on an account. The secret is write-only: null keeps the stored one.</summary>
public sealed class AccountInput
{
    [Required, StringLength(100, MinimumLength = 1)]
    public string Name { get; set; } = "";
    [Required]
    public AccountKind Kind { get; set; } = AccountKind.MiniProgram;
    [Required, RegularExpression("^[A-Za-z0-9_-]{4,64}$", ErrorMessage = "An AppID is 4 to 64 letters, digits, '-' or '_'.")]
    public string AppId { get; set; } = "";
    [StringLength(128)]
    public string? Secret { get; set; }
    [Required, Url]
    public string ApiBaseUrl { get; set; } = "";
    [Range(1, 100_000, ErrorMessage = "Sends per second (sendRatePerSecond) is between 1 and 100,000.")]
    public int SendRatePerSecond { get; set; } = 200;
    [Range(1, 100_000_000, ErrorMessage = "The daily quota (dailyQuota) is between 1 and 100,000,000.")]
    public int DailyQuota { get; set; } = 100_000;
    [Required]
    public string TimeZone { get; set; } = "Asia/Shanghai";
    public TokenMode TokenMode { get; set; } = TokenMode.Stable;
    public TimeOnly? QuietFrom { get; set; }
    public TimeOnly? QuietUntil { get; set; }
    /// <summary>Official accounts: the link viewers open to follow (shown as a QR code on public channel pages).</summary>
    [Url, StringLength(1000)]
    public string? FollowUrl { get; set; }

    public static AccountInput From(WeChatAccount a) => new()
    {
        Name = a.Name, Kind = a.Kind, AppId = a.AppId, ApiBaseUrl = a.ApiBaseUrl, SendRatePerSecond = a.SendRatePerSecond,
        DailyQuota = a.DailyQuota, TimeZone = a.TimeZone, TokenMode = a.TokenMode, QuietFrom = a.QuietFrom, QuietUntil = a.QuietUntil,
        FollowUrl = a.FollowUrl,
    };
}

/// <summary>Reads and changes WeChat accounts; secrets go in encrypted and never come back out to callers.</summary>
public sealed class AccountService(IDbContextFactory<PushConsoleDbContext> contexts, AccountSecretProtector secrets, ApiHostPolicy hosts,
    MiniProgram.MiniProgramDirectory directory, Audit.AuditLog audit, TimeProvider time)
{
    public sealed record Result(WeChatAccount? Account, IReadOnlyList<string> Errors)
    {
        public bool Succeeded => Errors.Count == 0;
    }

    public async Task<IReadOnlyList<WeChatAccount>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Accounts.AsNoTracking().OrderBy(a => a.Name).ToListAsync(cancellationToken);
    }

    public async Task<WeChatAccount?> FindAsync(int id, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, cancellationToken);
    }

    public async Task<WeChatAccount?> FindByAppIdAsync(string appId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.AppId == appId, cancellationToken);
    }

    public async Task<Result> CreateAsync(AccountInput input, CancellationToken cancellationToken = default)
    {
        var errors = Validate(input, requireSecret: true);
        if (errors.Count > 0)
        {
            return new(null, errors);
        }
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (await db.Accounts.AnyAsync(a => a.AppId == input.AppId, cancellationToken))
        {
            return new(null, [ServiceText.Get("Account.AppIdTaken", input.AppId)]);
        }
        var now = time.GetUtcNow();
        var account = new WeChatAccount { CreatedAt = now };
        Apply(account, input, now);
        db.Accounts.Add(account);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(Audit.AuditSubject.Account, Audit.AuditAction.Created, account.Id.ToString(), Label(account), account.Id);
        return new(account, []);
    }

    public async Task<Result> UpdateAsync(int id, AccountInput input, CancellationToken cancellationToken = default)
    {
        var errors = Validate(input, requireSecret: false);
        if (errors.Count > 0)
        {
            return new(null, errors);
        }
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var account = await db.Accounts.SingleOrDefaultAsync(a => a.Id == id, cancellationToken);
        if (account is null)
        {
            return new(null, [ServiceText.Get("Account.Missing")]);
        }
        if (string.IsNullOrEmpty(input.Secret) && !ApiHostPolicy.SameHost(account.ApiBaseUrl, input.ApiBaseUrl))
        {
            // The stored secret goes to whatever host the account names: whoever moves it must know the secret already.
            return new(null, [ServiceText.Get("Account.HostNeedsSecret")]);
        }
        if (await db.Accounts.AnyAsync(a => a.AppId == input.AppId && a.Id != id, cancellationToken))
        {
            return new(null, [ServiceText.Get("Account.AppIdTaken", input.AppId)]);
        }
        var previousAppId = account.AppId;
        Apply(account, input, time.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        directory.Forget(previousAppId);
        await audit.RecordAsync(Audit.AuditSubject.Account, Audit.AuditAction.Updated, account.Id.ToString(), Label(account), account.Id,
            string.IsNullOrEmpty(input.Secret) ? null : "AppSecret replaced");
        return new(account, []);
    }

    /// <summary>What deleting an account takes with it (the database cascades to all of it).</summary>
    public sealed record DeletionSummary(string AppId, string Name, int Templates, int Campaigns, int Channels, int Runs, long LedgerRows)
    {
        public string Describe() => ServiceText.Get("Account.DeletionSummary", Name, AppId, Templates, Campaigns, Channels, Runs, LedgerRows);
    }

    /// <summary>The counts to show before deleting; null when there is no such account.</summary>
    public async Task<DeletionSummary?> DeletionSummaryAsync(int id, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var account = await db.Accounts.AsNoTracking().Where(a => a.Id == id).Select(a => new { a.AppId, a.Name }).SingleOrDefaultAsync(cancellationToken);
        if (account is null)
        {
            return null;
        }
        var runIds = db.DeliveryRuns.Where(r => r.AccountId == id).Select(r => r.Id);
        return new(account.AppId, account.Name,
            await db.Templates.CountAsync(t => t.AccountId == id, cancellationToken),
            await db.Campaigns.CountAsync(c => c.AccountId == id, cancellationToken),
            await db.Channels.CountAsync(c => c.AccountId == id, cancellationToken),
            await runIds.CountAsync(cancellationToken),
            await db.Deliveries.LongCountAsync(d => runIds.Contains(d.RunId), cancellationToken));
    }

    public async Task<bool> DeleteAsync(int id, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // The credentials and their pool rows have no foreign key (a lookup per intake row): they go with their account
        // here, the rest by cascade.
        await db.AvailableCredentials.Where(a => a.AccountId == id).ExecuteDeleteAsync(cancellationToken);
        await db.Credentials.Where(c => c.AccountId == id).ExecuteDeleteAsync(cancellationToken);
        var deleted = await db.Accounts.Where(a => a.Id == id).ExecuteDeleteAsync(cancellationToken) == 1;
        await transaction.CommitAsync(cancellationToken);
        if (account is not null)
        {
            directory.Forget(account.AppId);
        }
        if (deleted && account is not null)
        {
            await audit.RecordAsync(Audit.AuditSubject.Account, Audit.AuditAction.Deleted, id.ToString(), Label(account), id);
        }
        return deleted;
    }

    private static string Label(WeChatAccount account) => $"{account.Name} ({account.AppId})";

    /// <summary>The plain AppSecret, for the WeChat client only.</summary>
    public string RevealSecret(WeChatAccount account) => secrets.Unprotect(account.SecretCipher);

    private void Apply(WeChatAccount account, AccountInput input, DateTimeOffset now)
    {
        account.Name = input.Name.Trim();
        account.Kind = input.Kind;
        account.AppId = input.AppId.Trim();
        account.ApiBaseUrl = input.ApiBaseUrl.Trim().TrimEnd('/');
        account.SendRatePerSecond = input.SendRatePerSecond;
        account.DailyQuota = input.DailyQuota;
        account.TimeZone = input.TimeZone;
        account.TokenMode = input.TokenMode;
        account.QuietFrom = input.QuietFrom;
        account.QuietUntil = input.QuietUntil;
        account.FollowUrl = string.IsNullOrWhiteSpace(input.FollowUrl) ? null : input.FollowUrl.Trim();
        account.UpdatedAt = now;
        if (!string.IsNullOrEmpty(input.Secret))
        {
            account.SecretCipher = secrets.Protect(input.Secret);
        }
    }

    public IReadOnlyList<string> Validate(AccountInput input, bool requireSecret)
    {
        var errors = InputValidation.Errors(input);
        if (!string.IsNullOrWhiteSpace(input.ApiBaseUrl) && hosts.Check(input.ApiBaseUrl) is { } hostProblem)
        {
            errors.Add(hostProblem);
        }
        if (requireSecret && string.IsNullOrEmpty(input.Secret))
        {
            errors.Add(ServiceText.Get("Account.SecretRequired"));
        }
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(input.TimeZone, out _))
        {
            errors.Add(ServiceText.Get("Common.UnknownZone", input.TimeZone));
        }
        if (input.QuietFrom.HasValue != input.QuietUntil.HasValue)
        {
            errors.Add(ServiceText.Get("Account.QuietHoursBoth"));
        }
        return errors;
    }
}
