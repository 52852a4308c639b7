using Microsoft.EntityFrameworkCore;
using PushConsole.Accounts;
using PushConsole.Campaigns;
using PushConsole.Credentials;
using PushConsole.Ledger;
using RunStatus = PushConsole.Ledger.RunStatus;
using PushConsole.MiniProgram;
using PushConsole.Persistence;
using PushConsole.Scheduling;
using PushConsole.Sending;
using PushConsole.Simulator;
using PushConsole.Templates;
using PushConsole.Tests.Infrastructure;
using TemplateKind = PushConsole.Templates.TemplateKind;

namespace PushConsole.Tests.Campaigns;

/// <summary>
/// The campaign services without the web host: a fresh database of either provider, the real pool, ledger, renderer
/// and WeChat client, the simulator on loopback as WeChat, and a console clock the test moves. Quartz is configured
/// (persistent store) but not started, so runs execute only when a test calls <see cref="ExecuteAsync"/>.
/// </summary>
public sealed class CampaignHarness : IAsyncDisposable
{
    public const string Secret = "campaign-secret-0123456789";
    private readonly ServiceProvider services;

    private CampaignHarness(ServiceProvider services, SimulatorServer simulator, ManualTimeProvider clock, DatabaseOptions database)
    {
        this.services = services;
        SimulatorServer = simulator;
        Clock = clock;
        Database = database;
    }

    public SimulatorServer SimulatorServer { get; }
    public WeChatSimulator Sim => SimulatorServer.Simulator;
    public ManualTimeProvider Clock { get; }
    public DatabaseOptions Database { get; }
    public IServiceProvider Services => services;
    public IDbContextFactory<PushConsoleDbContext> Contexts => services.GetRequiredService<IDbContextFactory<PushConsoleDbContext>>();
    public DeliveryLedger Ledger => services.GetRequiredService<DeliveryLedger>();
    public CampaignService Campaigns => services.GetRequiredService<CampaignService>();
    public CampaignFiring Firing => services.GetRequiredService<CampaignFiring>();
    public RunExecutor Executor => services.GetRequiredService<RunExecutor>();
    public RunControl Control => services.GetRequiredService<RunControl>();
    public CredentialIntake Intake => services.GetRequiredService<CredentialIntake>();
    public CredentialPool Pool => services.GetRequiredService<CredentialPool>();

    /// <summary>A clock at 2026-11-20 12:00 in Shanghai (04:00 UTC), well away from midnight and quiet hours.</summary>
    public static readonly DateTimeOffset Noon = new(2026, 11, 20, 4, 0, 0, TimeSpan.Zero);

    /// <param name="configure">More services of the same node (e.g. channel reminders, a log collector).</param>
    public static async Task<CampaignHarness> StartAsync(DatabaseProvider provider, IDictionary<string, string?>? settings = null,
        Action<IServiceCollection, IConfiguration>? configure = null)
    {
        var simulator = await SimulatorServer.StartAsync();
        var database = await TestDatabases.NewMigratedAsync(provider);
        var values = new Dictionary<string, string?>
        {
            // Retries quick enough for tests; the behaviour (backoff, bounded attempts) is the same.
            ["WeChat:RetryBaseDelay"] = "00:00:00.005",
            ["WeChat:RetryMaxDelay"] = "00:00:00.020",
            ["Sending:StatusPollInterval"] = "00:00:00.050",
            ["Sending:FlushInterval"] = "00:00:00.020",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var clock = new ManualTimeProvider(Noon);
        var collection = new ServiceCollection();
        collection.AddLogging();
        collection.AddSingleton<TimeProvider>(clock);
        collection.AddPushConsoleDatabase(database);
        collection.AddDeliveryLedger();
        collection.AddPushScheduler(configuration, database);
        collection.AddCredentialPool(configuration, database);
        collection.AddSendEngine(configuration).AddCampaigns();
        configure?.Invoke(collection, configuration);
        var provider_ = collection.BuildServiceProvider();
        await provider_.GetRequiredService<DatabaseMigrator>().MigrateAsync();
        return new CampaignHarness(provider_, simulator, clock, database);
    }

    /// <summary>An app in the simulator and the console's account for it (secret encrypted as the console stores it).</summary>
    public async Task<WeChatAccount> AccountAsync(AccountKind kind = AccountKind.MiniProgram, int ratePerSecond = 1000,
        TimeOnly? quietFrom = null, TimeOnly? quietUntil = null, string secret = Secret)
    {
        var appId = "wx" + Guid.NewGuid().ToString("N")[..16];
        Sim.UpsertApp(new AppSpec { AppId = appId, Secret = Secret, Kind = kind == AccountKind.MiniProgram ? "miniprogram" : "officialaccount" });
        var protector = services.GetRequiredService<AccountSecretProtector>();
        await using var db = await Contexts.CreateDbContextAsync();
        var account = new WeChatAccount
        {
            Name = $"App {appId}", Kind = kind, AppId = appId, SecretCipher = protector.Protect(secret),
            ApiBaseUrl = SimulatorServer.BaseAddress.ToString(), SendRatePerSecond = ratePerSecond, TimeZone = "Asia/Shanghai",
            QuietFrom = quietFrom, QuietUntil = quietUntil, CreatedAt = Clock.GetUtcNow(), UpdatedAt = Clock.GetUtcNow(),
        };
        db.Accounts.Add(account);
        await db.SaveChangesAsync();
        return account;
    }

    /// <summary>A template of the account's kind, defined in the simulator too. Legacy mini program templates by default.</summary>
    public async Task<MessageTemplate> TemplateAsync(WeChatAccount account, TemplateKind kind = TemplateKind.MiniProgramTemplate)
    {
        var (content, fields, simKind) = kind switch
        {
            TemplateKind.Subscribe => ("提醒内容:{{thing1.DATA}}\n日期:{{date2.DATA}}\n",
                new List<TemplateField> { new() { Key = "thing1", ValueExpression = "{campaign.name}" }, new() { Key = "date2", ValueExpression = "{date}" } },
                "subscribe"),
            TemplateKind.OfficialAccountTemplate => ("{{first.DATA}}\n日期:{{keyword1.DATA}}\n",
                new List<TemplateField> { new() { Key = "first", ValueExpression = "{campaign.name}" }, new() { Key = "keyword1", ValueExpression = "{date}" } },
                "official"),
            _ => ("签到提醒:{{keyword1.DATA}}\n日期:{{keyword2.DATA}}\n用户:{{keyword3.DATA}}\n",
                new List<TemplateField>
                {
                    new() { Key = "keyword1", ValueExpression = "{campaign.name}" }, new() { Key = "keyword2", ValueExpression = "{date}" },
                    new() { Key = "keyword3", ValueExpression = "{user.openid}" },
                },
                "legacy"),
        };
        var defined = Sim.DefineTemplate(account.AppId, new TemplateSpec { Title = "Daily reminder", Content = content, Kind = simKind });
        await using var db = await Contexts.CreateDbContextAsync();
        var template = new MessageTemplate
        {
            AccountId = account.Id, Kind = kind, WeChatTemplateId = defined.TemplateId, Title = "Daily reminder", Content = content,
            Fields = fields, Page = kind == TemplateKind.OfficialAccountTemplate ? null : "pages/index/index",
            CreatedAt = Clock.GetUtcNow(), UpdatedAt = Clock.GetUtcNow(),
        };
        db.Templates.Add(template);
        await db.SaveChangesAsync();
        return template;
    }

    public static string NewOpenId() => "o" + Guid.NewGuid().ToString("N")[..24];

    /// <summary>Users who each hold <paramref name="formIds"/> real formIds (minted by the simulator, reported to the pool).</summary>
    public async Task<List<string>> UsersWithFormIdsAsync(WeChatAccount account, int count, int formIds = 1)
    {
        var users = Enumerable.Range(0, count).Select(_ => NewOpenId()).ToList();
        foreach (var user in users)
        {
            await ReportAsync(account, user, Sim.MintFormIds(account.AppId, user, formIds).Select(v => new ReportedCredential(v)).ToArray());
        }
        return users;
    }

    public async Task ReportAsync(WeChatAccount account, string openId, params ReportedCredential[] credentials)
    {
        var result = await Intake.ReportAsync(account.Id, openId, credentials);
        Assert.Equal(credentials.Length, result.Accepted);
    }

    public Task CheckInAsync(WeChatAccount account, string openId) =>
        services.GetRequiredService<ActivityLog>().RecordAsync(account.Id, openId, ActivityLog.CheckIn);

    public async Task<Campaign> CampaignAsync(WeChatAccount account, MessageTemplate template, AudienceKind audience,
        IEnumerable<string>? recipients = null, int dailyCap = 1, ScheduleKind schedule = ScheduleKind.Now, string? cron = null)
    {
        var result = await Campaigns.CreateAsync(new CampaignInput
        {
            Name = "Daily reminder", AccountId = account.Id, TemplateId = template.Id, Audience = audience,
            Recipients = recipients?.ToList(), DailyCapPerUser = dailyCap, Schedule = schedule, Cron = cron,
        }, "test");
        Assert.True(result.Succeeded, string.Join(" ", result.Errors));
        return result.Campaign!;
    }

    /// <summary>Fires the campaign as its trigger would at the console clock's now, and returns the run.</summary>
    public async Task<DeliveryRun> FireAsync(Campaign campaign, DateTimeOffset? scheduled = null) =>
        (await Firing.FireAsync(campaign.Id, scheduled ?? Clock.GetUtcNow()))!;

    public Task<RunExecution> ExecuteAsync(DeliveryRun run) => Executor.ExecuteAsync(run.Id, CancellationToken.None);

    /// <summary>Fires and executes once.</summary>
    public async Task<(DeliveryRun Run, RunExecution Execution)> SendAsync(Campaign campaign)
    {
        var run = await FireAsync(campaign);
        return (run, await ExecuteAsync(run));
    }

    public static void AssertCompleted(RunExecution execution) =>
        Assert.True(execution.Status == RunStatus.Completed, $"The run ended {execution.Status}: {execution.Reason}");

    public async Task<DeliveryRun> RunAsync(long runId)
    {
        await using var db = await Contexts.CreateDbContextAsync();
        return await db.DeliveryRuns.AsNoTracking().SingleAsync(r => r.Id == runId);
    }

    public async Task<Dictionary<string, Delivery>> DeliveriesAsync(long runId)
    {
        await using var db = await Contexts.CreateDbContextAsync();
        return await db.Deliveries.AsNoTracking().Where(d => d.RunId == runId).ToDictionaryAsync(d => d.Recipient);
    }

    public async Task<List<Credential>> CredentialsOfAsync(WeChatAccount account, string openId)
    {
        await using var db = await Contexts.CreateDbContextAsync();
        return await db.Credentials.AsNoTracking().Where(c => c.AccountId == account.Id && c.OpenId == openId).OrderBy(c => c.Id).ToListAsync();
    }

    public int InboxCount(WeChatAccount account, string openId) => Sim.GetInbox(account.AppId, openId).Count;

    public async ValueTask DisposeAsync()
    {
        await services.DisposeAsync();
        await SimulatorServer.DisposeAsync();
    }
}
