using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.EntityFrameworkCore;
using PushConsole.Accounts;
using PushConsole.Campaigns;
using PushConsole.Credentials;
using PushConsole.Ledger;
using PushConsole.Persistence;
using PushConsole.Scheduling;
using PushConsole.Sending;
using PushConsole.Templates;

namespace PushConsole.Bench;

/// <summary>What one campaign run measured.</summary>
internal sealed record CampaignFigures(int Users, int Sent, TimeSpan Total, TimeSpan Audience, IReadOnlyDictionary<int, long> Errors, long Delivered,
    int DuplicateRecipients, int BusiestSecond, TimeSpan ConsoleCpu, TimeSpan SimulatorCpu, TimeSpan JitTime)
{
    /// <summary>Of <see cref="ConsoleMicrosPerSend"/>, the JIT's compilation time per send (tier-up still under way), in µs.</summary>
    public double JitMicrosPerSend => JitTime.TotalMilliseconds * 1000 / Math.Max(1, Sent);

    /// <summary>The bench process's CPU (the console's engine, database and WeChat client) per message sent, fire to end, in µs.</summary>
    public double ConsoleMicrosPerSend => ConsoleCpu.TotalMilliseconds * 1000 / Math.Max(1, Sent);

    /// <summary>The standalone simulator's CPU per message sent, in µs.</summary>
    public double SimulatorMicrosPerSend => SimulatorCpu.TotalMilliseconds * 1000 / Math.Max(1, Sent);

    /// <summary>From the fire to the last ledger write: audience, takes, claims, sends and outcomes.</summary>
    public double SendsPerSecond => Sent / Total.TotalSeconds;

    /// <summary>From the first row taken to the end: the rate the account's limit governs.</summary>
    public double SendingPerSecond => Sent / (Total - Audience).TotalSeconds;
}

/// <summary>
/// The console's campaign machinery as it runs in the console — the delivery ledger on a real database, the credential
/// pool, the template renderer and the WeChat client with its per-account rate limit — pointed at the standalone
/// simulator. A run is timed from its fire to its last ledger write.
/// </summary>
internal sealed class CampaignBench : IAsyncDisposable
{
    private const string Secret = "benchcampaignsecret0000000000001";
    private readonly ServiceProvider services;
    private readonly StandaloneSimulator simulator;
    private readonly int concurrency;
    private readonly SendClock sends;

    private CampaignBench(ServiceProvider services, StandaloneSimulator simulator, int concurrency)
    {
        this.services = services;
        this.simulator = simulator;
        this.concurrency = concurrency;
        sends = services.GetRequiredService<SendClock>();
    }

    /// <param name="batchSize">Sending:BatchSize, or null for the console's default.</param>
    public static async Task<CampaignBench> StartAsync(StandaloneSimulator simulator, DatabaseOptions database, int concurrency, int? batchSize = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Sending:MaxConcurrency"] = concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (batchSize is { } batch)
        {
            settings["Sending:BatchSize"] = batch.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var collection = new ServiceCollection();
        collection.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole());
        collection.AddSingleton(TimeProvider.System);
        collection.AddPushConsoleDatabase(database);
        collection.AddDeliveryLedger();
        collection.AddPushScheduler(configuration, database);
        collection.AddCredentialPool(configuration, database);
        collection.AddSendEngine(configuration).AddCampaigns();
        collection.AddSingleton<SendClock>();
        collection.AddHttpClient(WeChat.WeChatServiceCollectionExtensions.HttpClientName)
            .AddHttpMessageHandler(sp => new SendClock.Handler(sp.GetRequiredService<SendClock>()));
        var services = collection.BuildServiceProvider();
        await services.GetRequiredService<DatabaseMigrator>().MigrateAsync();
        return new CampaignBench(services, simulator, concurrency);
    }

    /// <summary>
    /// A mini program whose <paramref name="users"/> users hold one formId each (minted by the simulator and reported
    /// to the pool), a legacy template, and a campaign to all users with a usable credential; then one run of it.
    /// </summary>
    public async Task<CampaignFigures> RunAsync(string label, int users, int ratePerSecond, int? simulatorQps)
    {
        var appId = "wx" + Guid.NewGuid().ToString("N")[..16];
        await simulator.PostAsync("control/apps", new
        {
            appid = appId, secret = Secret, kind = "miniprogram", quotas = new Dictionary<string, long?> { ["wxopen_template_send"] = null },
        });
        if (simulatorQps is { } qps)
        {
            // WeChat's side of the cap: more than this many sends in a second are refused.
            await simulator.PostAsync("control/faults", new { appid = appId, api = "wxopen_template_send", qps });
        }
        var simTemplate = await simulator.PostAsync($"control/apps/{appId}/templates", new
        {
            title = "签到提醒", content = "签到提醒:{{keyword1.DATA}}\n日期:{{keyword2.DATA}}\n用户:{{keyword3.DATA}}\n", kind = "legacy",
        });
        var account = await AccountAsync(appId, ratePerSecond);
        var template = await TemplateAsync(account, simTemplate.GetProperty("template_id").GetString()!);

        Console.WriteLine($"  [{label}] minting {users:N0} formIds in the simulator and reporting them to the pool…");
        var minted = await SimulatorCeiling.MintAsync(simulator, appId, users, concurrency);
        var intake = services.GetRequiredService<CredentialIntake>();
        await Parallel.ForEachAsync(minted, new ParallelOptions { MaxDegreeOfParallelism = 256 }, async (m, ct) =>
            await intake.ReportAsync(account.Id, m.OpenId, [new ReportedCredential(m.FormId)], ct));

        var campaign = await services.GetRequiredService<CampaignService>().CreateAsync(new CampaignInput
        {
            Name = label, AccountId = account.Id, TemplateId = template.Id, Audience = AudienceKind.UsableCredential,
            Schedule = ScheduleKind.Once, StartAt = DateTimeOffset.UtcNow.AddDays(30), DailyCapPerUser = 1,
        }, "bench");
        if (!campaign.Succeeded)
        {
            throw new InvalidOperationException(string.Join(" ", campaign.Errors));
        }
        // The setup above (minting, intake) ran code the measured run does not; its tier-up would be charged to the sends.
        await BenchJit.SettledAsync();
        Console.WriteLine($"  [{label}] sending…");
        GC.Collect();
        sends.Clear();
        // CPU per send does not depend on how busy the shared machine is, unlike sends per second.
        var (consoleCpuAtStart, simulatorCpuAtStart) = (ServerCpu.OfProcess(Environment.ProcessId), simulator.CpuTime());
        var jitAtStart = System.Runtime.JitInfo.GetCompilationTime();
        var clock = Stopwatch.StartNew();
        var run = (await services.GetRequiredService<CampaignFiring>().FireAsync(campaign.Campaign!.Id, DateTimeOffset.UtcNow))!;
        var execution = await services.GetRequiredService<RunExecutor>().ExecuteAsync(run.Id, CancellationToken.None);
        var total = clock.Elapsed;
        var (consoleCpu, simulatorCpu) = (ServerCpu.OfProcess(Environment.ProcessId) - consoleCpuAtStart, simulator.CpuTime() - simulatorCpuAtStart);
        var jit = System.Runtime.JitInfo.GetCompilationTime() - jitAtStart;
        if (execution.Status != RunStatus.Completed)
        {
            throw new InvalidOperationException($"The run ended {execution.Status}: {execution.Reason}");
        }
        var audience = await AudienceTimeAsync(run.Id);
        var counts = await services.GetRequiredService<DeliveryLedger>().CountAsync(run.Id);
        var delivered = await simulator.GetAsync($"control/apps/{appId}/deliveries/count");
        return new CampaignFigures(users, counts.Sent, total, audience - run.CreatedAt, await simulator.ErrorsAsync(appId, "wxopen_template_send"),
            delivered.GetProperty("total").GetInt64(),
            delivered.TryGetProperty("recipients_with_duplicates", out var duplicates) && duplicates.ValueKind == System.Text.Json.JsonValueKind.Number
                ? duplicates.GetInt32() : 0, sends.BusiestSecond(), consoleCpu, simulatorCpu, jit);
    }

    /// <summary>
    /// The WeChat client alone (tokens, rate limiter, resilience, JSON) sending pre-minted formIds with the same
    /// concurrency: what the campaign pipeline adds on top of it is the rest of the difference to the ceiling.
    /// </summary>
    public async Task<double> ClientAloneAsync(int users)
    {
        var appId = "wx" + Guid.NewGuid().ToString("N")[..16];
        await simulator.PostAsync("control/apps", new
        {
            appid = appId, secret = Secret, kind = "miniprogram", quotas = new Dictionary<string, long?> { ["wxopen_template_send"] = null },
        });
        var simTemplate = await simulator.PostAsync($"control/apps/{appId}/templates", new
        {
            title = "签到提醒", content = "签到提醒:{{keyword1.DATA}}\n日期:{{keyword2.DATA}}\n", kind = "legacy",
        });
        var account = await AccountAsync(appId, 100_000);
        var minted = await SimulatorCeiling.MintAsync(simulator, appId, users, concurrency);
        var client = services.GetRequiredService<WeChat.IWeChatClientFactory>().For(account);
        var templateId = simTemplate.GetProperty("template_id").GetString()!;
        var data = new Dictionary<string, WeChat.TemplateValue> { ["keyword1"] = new("每日签到"), ["keyword2"] = new("2026-11-22") };
        long sent = 0;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(minted, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (m, ct) =>
        {
            var outcome = await client.SendMiniProgramTemplateAsync(new WeChat.MiniProgramTemplateMessage(m.OpenId, templateId, m.FormId, data, "pages/index/index"), ct);
            if (outcome.Succeeded)
            {
                Interlocked.Increment(ref sent);
            }
        });
        return sent / clock.Elapsed.TotalSeconds;
    }

    /// <summary>When the first row was taken for sending: the audience was resolved and written by then.</summary>
    private async Task<DateTimeOffset> AudienceTimeAsync(long runId)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<PushConsoleDbContext>>().CreateDbContextAsync();
        return await db.Deliveries.Where(d => d.RunId == runId).MinAsync(d => d.SendingSince) ?? DateTimeOffset.UtcNow;
    }

    private async Task<WeChatAccount> AccountAsync(string appId, int ratePerSecond)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<PushConsoleDbContext>>().CreateDbContextAsync();
        var account = new WeChatAccount
        {
            Name = appId, Kind = AccountKind.MiniProgram, AppId = appId,
            SecretCipher = services.GetRequiredService<AccountSecretProtector>().Protect(Secret),
            ApiBaseUrl = simulator.BaseAddress.ToString(), SendRatePerSecond = ratePerSecond, DailyQuota = 10_000_000, TimeZone = "Asia/Shanghai",
            CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow,
        };
        db.Accounts.Add(account);
        await db.SaveChangesAsync();
        return account;
    }

    private async Task<MessageTemplate> TemplateAsync(WeChatAccount account, string weChatTemplateId)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<PushConsoleDbContext>>().CreateDbContextAsync();
        var template = new MessageTemplate
        {
            AccountId = account.Id, Kind = TemplateKind.MiniProgramTemplate, WeChatTemplateId = weChatTemplateId, Title = "签到提醒",
            Content = "签到提醒:{{keyword1.DATA}}\n日期:{{keyword2.DATA}}\n用户:{{keyword3.DATA}}\n", Page = "pages/index/index",
            Fields =
            [
                new() { Key = "keyword1", ValueExpression = "{campaign.name}" }, new() { Key = "keyword2", ValueExpression = "{date}" },
                new() { Key = "keyword3", ValueExpression = "{user.openid}" },
            ],
            CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow,
        };
        db.Templates.Add(template);
        await db.SaveChangesAsync();
        return template;
    }

    public ValueTask DisposeAsync() => services.DisposeAsync();
}

/// <summary>
/// When each message send left the console (requests to a <c>…/send</c> API, as they enter the WeChat HTTP client):
/// the busiest 1-second window of them is what the account's rate limit must hold.
/// </summary>
internal sealed class SendClock
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<long> times = new();

    public void Clear() => times.Clear();

    /// <summary>The most sends that left within any 1 second (a sliding window over every send).</summary>
    public int BusiestSecond()
    {
        var sorted = times.ToArray();
        Array.Sort(sorted);
        var most = 0;
        for (int start = 0, end = 0; start < sorted.Length; start++)
        {
            while (end < sorted.Length && sorted[end] - sorted[start] < Stopwatch.Frequency)
            {
                end++;
            }
            most = Math.Max(most, end - start);
        }
        return most;
    }

    public sealed class Handler(SendClock clock) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri?.AbsolutePath.EndsWith("/send", StringComparison.Ordinal) == true)
            {
                clock.times.Enqueue(Stopwatch.GetTimestamp());
            }
            return base.SendAsync(request, cancellationToken);
        }
    }
}
