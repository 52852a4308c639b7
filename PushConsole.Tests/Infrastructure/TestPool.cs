using Microsoft.EntityFrameworkCore;
using PushConsole.Accounts;
using PushConsole.Credentials;
using PushConsole.MiniProgram;
using PushConsole.Persistence;

namespace PushConsole.Tests.Infrastructure;

/// <summary>
/// The Core credential services on a fresh, migrated database of either provider, on a manual clock, without
/// the web host: for tests of the pool itself. Carries one mini program account.
/// </summary>
public sealed class TestPool : IAsyncDisposable
{
    private readonly ServiceProvider services;

    private TestPool(ServiceProvider services, DatabaseOptions database, ManualTimeProvider clock, WeChatAccount account)
    {
        this.services = services;
        Database = database;
        Clock = clock;
        Account = account;
    }

    public DatabaseOptions Database { get; }
    public ManualTimeProvider Clock { get; }
    public WeChatAccount Account { get; }
    public int AccountId => Account.Id;
    public IServiceProvider Services => services;
    public CredentialPool Pool => services.GetRequiredService<CredentialPool>();
    public CredentialIntake Intake => services.GetRequiredService<CredentialIntake>();
    public InventoryQuery Inventory => services.GetRequiredService<InventoryQuery>();
    public CredentialSweep Sweep => services.GetRequiredService<CredentialSweep>();
    public IDbContextFactory<PushConsoleDbContext> Contexts => services.GetRequiredService<IDbContextFactory<PushConsoleDbContext>>();

    public static async Task<TestPool> CreateAsync(DatabaseProvider provider, IDictionary<string, string?>? settings = null)
    {
        var database = await TestDatabases.NewMigratedAsync(provider);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build();
        var clock = new ManualTimeProvider();
        var collection = new ServiceCollection();
        collection.AddLogging();
        collection.AddSingleton<TimeProvider>(clock);
        collection.AddPushConsoleDatabase(database);
        collection.AddCredentialPool(configuration, database);
        var services = collection.BuildServiceProvider();
        await services.GetRequiredService<DatabaseMigrator>().MigrateAsync();
        var account = await TestAccounts.CreateMiniProgramAsync(services.GetRequiredService<IDbContextFactory<PushConsoleDbContext>>(),
            $"wxpool{Guid.NewGuid():N}"[..18]);
        return new TestPool(services, database, clock, account);
    }

    /// <summary>Reports ids for a user through the real intake (validation, expiry rules, group commit).</summary>
    public Task<IntakeResult> ReportAsync(string openId, params ReportedCredential[] items) =>
        Intake.ReportAsync(AccountId, openId, items);

    public Task<IntakeResult> ReportFormIdsAsync(string openId, params string[] values) =>
        Intake.ReportAsync(AccountId, openId, values.Select(v => new ReportedCredential(v)).ToList());

    public async Task<List<Credential>> RowsAsync()
    {
        await using var db = await Contexts.CreateDbContextAsync();
        return await db.Credentials.AsNoTracking().OrderBy(c => c.Id).ToListAsync();
    }

    /// <summary>The pool table (credential ids claims pick from) and the ids the records say are usable; they must agree.</summary>
    public async Task<(List<long> Pool, List<long> Usable)> PoolAndUsableAsync()
    {
        await using var db = await Contexts.CreateDbContextAsync();
        var inPool = await db.AvailableCredentials.AsNoTracking().OrderBy(a => a.CredentialId).Select(a => a.CredentialId).ToListAsync();
        var usable = await db.Credentials.AsNoTracking().Where(c => c.Status == CredentialStatus.Available && c.UsesLeft > 0)
            .OrderBy(c => c.Id).Select(c => c.Id).ToListAsync();
        return (inPool, usable);
    }

    public async Task AddKnownUsersAsync(params string[] openIds)
    {
        var users = services.GetRequiredService<MiniProgramUsers>();
        foreach (var openId in openIds)
        {
            await users.RecordLoginAsync(AccountId, openId, null);
        }
    }

    public ValueTask DisposeAsync() => services.DisposeAsync();
}
