using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PushConsole.Accounts;
using PushConsole.Credentials;
using PushConsole.Ledger;
using PushConsole.MiniProgram;
using PushConsole.Persistence;
using PushConsole.Simulator;
using PushConsole.Templates;
using PushConsole.Tests.Infrastructure;
using RunStatus = PushConsole.Ledger.RunStatus;
using TemplateKind = PushConsole.Templates.TemplateKind;

namespace PushConsole.Tests.Campaigns;

/// <summary>The whole console on loopback (Quartz running, real clock) with the simulator as WeChat.</summary>
public sealed class ConsoleWorld : IAsyncDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private ConsoleWorld(ConsoleHost host, SimulatorServer simulator)
    {
        Host = host;
        SimulatorServer = simulator;
    }

    public ConsoleHost Host { get; }
    public SimulatorServer SimulatorServer { get; }
    public WeChatSimulator Sim => SimulatorServer.Simulator;

    public static async Task<ConsoleWorld> StartAsync(DatabaseProvider provider = DatabaseProvider.Sqlite,
        IDictionary<string, string?>? settings = null)
    {
        var simulator = await SimulatorServer.StartAsync();
        var values = new Dictionary<string, string?>
        {
            ["WeChat:RetryBaseDelay"] = "00:00:00.005",
            ["WeChat:RetryMaxDelay"] = "00:00:00.020",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }
        var host = await ConsoleHost.StartAsync(provider, values);
        return new ConsoleWorld(host, simulator);
    }

    public async Task<WeChatAccount> AccountAsync(AccountKind kind = AccountKind.MiniProgram, int ratePerSecond = 1000)
    {
        var appId = "wx" + Guid.NewGuid().ToString("N")[..16];
        Sim.UpsertApp(new AppSpec { AppId = appId, Secret = CampaignHarness.Secret, Kind = kind == AccountKind.MiniProgram ? "miniprogram" : "officialaccount" });
        var result = await Host.Services.GetRequiredService<AccountService>().CreateAsync(new AccountInput
        {
            Name = $"App {appId[..8]}", Kind = kind, AppId = appId, Secret = CampaignHarness.Secret,
            ApiBaseUrl = SimulatorServer.BaseAddress.ToString(), SendRatePerSecond = ratePerSecond, TimeZone = "Asia/Shanghai",
        });
        Assert.True(result.Succeeded, string.Join(" ", result.Errors));
        return result.Account!;
    }

    public async Task<MessageTemplate> TemplateAsync(WeChatAccount account, TemplateKind kind = TemplateKind.MiniProgramTemplate)
    {
        var official = kind == TemplateKind.OfficialAccountTemplate;
        var content = official ? "{{first.DATA}}\n日期:{{keyword1.DATA}}\n" : "签到提醒:{{keyword1.DATA}}\n日期:{{keyword2.DATA}}\n";
        var defined = Sim.DefineTemplate(account.AppId, new TemplateSpec { Title = "Daily reminder", Content = content, Kind = official ? "official" : "legacy" });
        await using var db = await Host.Contexts().CreateDbContextAsync();
        var template = new MessageTemplate
        {
            AccountId = account.Id, Kind = kind, WeChatTemplateId = defined.TemplateId, Title = "Daily reminder", Content = content,
            Fields = official
                ? [new() { Key = "first", ValueExpression = "{campaign.name}" }, new() { Key = "keyword1", ValueExpression = "{date}" }]
                : [new() { Key = "keyword1", ValueExpression = "{campaign.name}" }, new() { Key = "keyword2", ValueExpression = "{date}" }],
            Page = official ? null : "pages/index/index", CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow,
        };
        db.Templates.Add(template);
        await db.SaveChangesAsync();
        return template;
    }

    /// <summary>Users whose formIds (minted by the simulator) reach the pool through its intake, as the mini program reports them.</summary>
    public async Task<Dictionary<string, string[]>> UsersWithFormIdsAsync(WeChatAccount account, int count, int formIds = 1)
    {
        var intake = Host.Services.GetRequiredService<CredentialIntake>();
        var users = new Dictionary<string, string[]>();
        for (var i = 0; i < count; i++)
        {
            var user = CampaignHarness.NewOpenId();
            var ids = Sim.MintFormIds(account.AppId, user, formIds).ToArray();
            // The first id expires soonest: it is the one a send must use.
            var reported = ids.Select((v, n) => new ReportedCredential(v, ClientExpiry: DateTimeOffset.UtcNow.AddDays(1 + n))).Reverse().ToList();
            Assert.Equal(formIds, (await intake.ReportAsync(account.Id, user, reported)).Accepted);
            users[user] = ids;
        }
        return users;
    }

    public Task CheckInAsync(WeChatAccount account, string openId) =>
        Host.Services.GetRequiredService<ActivityLog>().RecordAsync(account.Id, openId, ActivityLog.CheckIn);

    public HttpClient Api(string token = ConsoleHost.AdminApiToken) => Host.CreateHttpClient(token);

    /// <summary>Waits for the campaign's run number <paramref name="count"/> to end, and returns its id.</summary>
    public async Task<long> WaitForRunsAsync(int campaignId, int count = 1)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            await using var db = await Host.Contexts().CreateDbContextAsync();
            var runs = await db.DeliveryRuns.AsNoTracking().Where(r => r.CampaignId == campaignId).OrderBy(r => r.Id).ToListAsync();
            if (runs.Count >= count && runs[count - 1].Status is RunStatus.Completed or RunStatus.Failed or RunStatus.Canceled)
            {
                Assert.True(runs[count - 1].Status == RunStatus.Completed, runs[count - 1].StatusReason);
                return runs[count - 1].Id;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"Run {count} of campaign {campaignId} did not finish within a minute.");
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await SimulatorServer.DisposeAsync();
    }
}
