using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using PushConsole.Accounts;
using PushConsole.Campaigns;
using PushConsole.Channels;
using PushConsole.Ledger;
using PushConsole.Persistence;
using PushConsole.Sending;
using PushConsole.Templates;
using PushConsole.WeChat;
using PushConsole.Tests.Infrastructure;
using PushConsole.Tests.Simulator;
using PushConsole.Credentials;
using PushConsole.Scheduling;

namespace PushConsole.Tests.Channels;

/// <summary>
/// The channel services of one node without the web host: a real database, the delivery ledger, the send engine, the
/// real WeChat client against the simulator over loopback, and an unstarted Quartz scheduler (tests fire reminders
/// themselves or read the triggers). A reminder's run executes when the test calls <see cref="RunAsync"/>.
/// </summary>
public sealed class ChannelsHarness : IAsyncDisposable
{
    public const string TemplateContent = "直播:{{thing1.DATA}}\n开播时间:{{time2.DATA}}\n";

    private readonly ServiceProvider services;

    private ChannelsHarness(ServiceProvider services, DatabaseOptions database)
    {
        this.services = services;
        Database = database;
    }

    public DatabaseOptions Database { get; }
    public IServiceProvider Services => services;
    public ChannelService Channels => services.GetRequiredService<ChannelService>();
    public ReminderFiring Firing => services.GetRequiredService<ReminderFiring>();
    public RunExecutor Executor => services.GetRequiredService<RunExecutor>();
    public BroadcastProgress Progress => services.GetRequiredService<BroadcastProgress>();
    public ReminderSchedule Schedule => services.GetRequiredService<ReminderSchedule>();
    public DeliveryLedger Ledger => services.GetRequiredService<DeliveryLedger>();

    public static async Task<ChannelsHarness> StartAsync(DatabaseProvider provider, TimeProvider? clock = null,
        IDictionary<string, string?>? settings = null)
    {
        var database = await TestDatabases.NewMigratedAsync(provider);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sending:PageRetryDelay"] = "00:00:00.200",
            ["Sending:MinuteLimitBackoff"] = "00:00:01",
            ["Sending:StatusPollInterval"] = "00:00:00.200",
            ["WeChat:RetryBaseDelay"] = "00:00:00.020",
            ["WeChat:RetryMaxDelay"] = "00:00:00.200",
        }.Concat(settings ?? new Dictionary<string, string?>())).Build();
        var collection = new ServiceCollection();
        collection.AddLogging();
        collection.AddSingleton<IConfiguration>(configuration);
        collection.AddSingleton(clock ?? TimeProvider.System);
        collection.AddPushConsoleDatabase(database);
        collection.AddDeliveryLedger();
        collection.AddSingleton<AccountSecretProtector>();
        // Accounts point at the simulator on a loopback port: the operator's allow-list of the tests' consoles.
        collection.Configure<AccountOptions>(o => o.AllowedApiBaseUrls.Add("http://127.0.0.1:*"));
        collection.AddSingleton<ApiHostPolicy>();
        collection.AddSingleton<PushConsole.MiniProgram.MiniProgramDirectory>();
        collection.AddSingleton<AccountService>();
        collection.AddWeChatClient(configuration);
        collection.AddPushScheduler(configuration, database);
        collection.AddCredentialPool(configuration, database);
        collection.AddSendEngine(configuration).AddCampaigns();
        collection.AddChannelReminders();
        var built = collection.BuildServiceProvider();
        await built.GetRequiredService<DatabaseMigrator>().MigrateAsync();
        return new ChannelsHarness(built, database);
    }

    /// <summary>An official account on the simulator with generated followers, and an enabled template of it.</summary>
    public async Task<(WeChatAccount Account, MessageTemplate Template, TestApp App)> AddOfficialAccountAsync(SimulatorServer sim,
        int followers, int sendRate = 100_000, int? tokenLifetimeSeconds = null)
    {
        var app = await sim.NewAppAsync("officialaccount", tokenLifetimeSeconds,
            new Dictionary<string, long?> { ["template_send"] = null, ["user_get"] = null });
        await app.GenerateFollowersAsync(followers);
        var defined = await app.DefineTemplateAsync(new { title = "开播提醒", content = TemplateContent });
        var created = await services.GetRequiredService<AccountService>().CreateAsync(new AccountInput
        {
            Name = $"Live {app.AppId[^4..]}", Kind = AccountKind.OfficialAccount, AppId = app.AppId, Secret = app.Secret,
            ApiBaseUrl = sim.BaseAddress.ToString(), SendRatePerSecond = sendRate, TimeZone = "Asia/Shanghai",
        });
        Assert.True(created.Succeeded, string.Join(" ", created.Errors));
        var template = await AddTemplateAsync(created.Account!.Id, defined.GetProperty("template_id").GetString()!);
        return (created.Account!, template, app);
    }

    public async Task<MessageTemplate> AddTemplateAsync(int accountId, string weChatTemplateId, bool enabled = true,
        TemplateKind kind = TemplateKind.OfficialAccountTemplate)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<PushConsoleDbContext>>().CreateDbContextAsync();
        var template = ReminderTemplate(accountId, weChatTemplateId, enabled, kind);
        db.Templates.Add(template);
        await db.SaveChangesAsync();
        return template;
    }

    /// <summary>The live-start reminder template: the channel's name and start in its two fields.</summary>
    public static MessageTemplate ReminderTemplate(int accountId, string weChatTemplateId, bool enabled = true,
        TemplateKind kind = TemplateKind.OfficialAccountTemplate) => new()
    {
        AccountId = accountId, Kind = kind, WeChatTemplateId = weChatTemplateId, Title = "开播提醒", Content = TemplateContent,
        Enabled = enabled,
        Fields =
        [
            new TemplateField { Key = "thing1", Label = "直播", ValueExpression = "{channel.name}" },
            new TemplateField { Key = "time2", Label = "开播时间", ValueExpression = "{channel.startsAt}" },
        ],
    };

    public static ChannelInput Input(int accountId, int? templateId, DateTimeOffset startsAt, int minutesAhead = 10, bool reminder = true,
        string name = "Evening live") => new()
    {
        Name = name,
        AccountId = accountId,
        StartsAt = startsAt.UtcDateTime,
        TimeZone = "Asia/Shanghai",
        TemplateId = templateId,
        ReminderEnabled = reminder,
        ReminderMinutesAhead = minutesAhead,
    };

    public async Task<Channel> CreateAsync(ChannelInput input)
    {
        var result = await Channels.CreateAsync(input);
        Assert.True(result.Succeeded, string.Join(" ", result.Errors));
        return result.Channel!;
    }

    /// <summary>A channel whose reminder has fired: notifying, its run opened and ready to execute.</summary>
    public async Task<Channel> NotifyingChannelAsync(int accountId, int templateId)
    {
        var channel = await CreateAsync(Input(accountId, templateId, DateTimeOffset.UtcNow.AddHours(1)));
        Assert.Equal(FireResult.Started, await Firing.FireAsync(channel.Id, channel.Occurrence));
        return (await Channels.FindAsync(channel.Id))!;
    }

    /// <summary>
    /// Executes the run of the channel's current occurrence on this node, as its Quartz job would; the status it ends
    /// with (Running when <paramref name="cancellationToken"/> stopped it, as a node shutting down).
    /// </summary>
    public async Task<RunStatus> RunAsync(int channelId, CancellationToken cancellationToken)
    {
        var runId = (await Channels.FindAsync(channelId, CancellationToken.None))!.CurrentRunId!.Value;
        try
        {
            return (await Executor.ExecuteAsync(runId, cancellationToken)).Status;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return RunStatus.Running;
        }
    }

    public async Task<BroadcastCounts> CountsAsync(int channelId)
    {
        var channel = await Channels.FindAsync(channelId);
        // Before the runner attached its run there is nothing to count yet.
        return await Progress.CountsAsync(channel!.CurrentRunId) ?? new BroadcastCounts(0, 0, 0, 0, 0, 0, 0, null, false);
    }

    public async ValueTask DisposeAsync() => await services.DisposeAsync();
}
