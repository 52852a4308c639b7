using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PushConsole.Accounts;
using PushConsole.Campaigns;
using PushConsole.Channels;
using PushConsole.Credentials;
using PushConsole.MiniProgram;
using PushConsole.Persistence;
using PushConsole.Simulator;
using PushConsole.Templates;
using TemplateKind = PushConsole.Templates.TemplateKind;

namespace PushConsole.Demo;

/// <summary>The <c>Demo</c> section: what a first run shows.</summary>
public sealed class DemoOptions
{
    public const string Section = "Demo";
    /// <summary>Seed demo data; null → on whenever the embedded simulator is.</summary>
    public bool? Enabled { get; set; }
    public int MiniProgramUsers { get; set; } = 150;
    public int Followers { get; set; } = 5_000;
}

/// <summary>
/// Makes a first run show something real: a demo mini program and a demo official account in the embedded simulator
/// and in the console, with templates, users holding formIds and grants, check-ins, and followers. The simulator keeps
/// its state in memory, so its side is seeded at every start; the console's side only once.
/// </summary>
public sealed class DemoData(
    WeChatSimulator simulator,
    AccountService accounts,
    TemplateService templates,
    CampaignService campaigns,
    ChannelService channels,
    CredentialIntake intake,
    SubscriptionIntake subscriptions,
    ActivityLog activity,
    MiniProgramUsers users,
    IServer server,
    IOptions<DemoOptions> options,
    TimeProvider time,
    ILogger<DemoData> logger)
{
    public const string MiniProgramAppId = "wxdemominiprog01";
    public const string OfficialAccountAppId = "wxdemoofficial01";
    private const string MiniProgramSecret = "demo0mini0program0secret00000001";
    private const string OfficialAccountSecret = "demo0official0account0secret0001";
    public const string SubscribeTemplateId = "DemoCheckinReminder0000000000000000000001";
    public const string LegacyTemplateId = "DemoLegacyCheckinTmpl000000000000000000001";
    public const string LiveStartTemplateId = "DemoLiveStartReminder00000000000000000001";
    public const string LivePagePath = "pages/live/index";

    private readonly TaskCompletionSource seeded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the seeding of this start has finished (or failed).</summary>
    public Task Seeded => seeded.Task;

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await SeedOnceAsync(cancellationToken);
            seeded.TrySetResult();
        }
        catch (Exception e)
        {
            seeded.TrySetException(e);
            throw;
        }
    }

    private async Task SeedOnceAsync(CancellationToken cancellationToken)
    {
        SeedSimulator();
        var simulatorUrl = Hosting.EmbeddedSimulator.Url(server);
        var mini = await accounts.FindByAppIdAsync(MiniProgramAppId, cancellationToken);
        var official = await accounts.FindByAppIdAsync(OfficialAccountAppId, cancellationToken);
        if (mini is not null && official is not null)
        {
            // Seeded before; the console may listen elsewhere now.
            await PointAtAsync(mini, MiniProgramSecret, simulatorUrl, cancellationToken);
            await PointAtAsync(official, OfficialAccountSecret, simulatorUrl, cancellationToken);
            return;
        }
        mini ??= await CreateAccountAsync("Demo mini program", AccountKind.MiniProgram, MiniProgramAppId, MiniProgramSecret, simulatorUrl, cancellationToken);
        official ??= await CreateAccountAsync("Demo official account", AccountKind.OfficialAccount, OfficialAccountAppId, OfficialAccountSecret, simulatorUrl, cancellationToken);
        var (subscribe, legacy, liveStart) = await CreateTemplatesAsync(mini, official, cancellationToken);
        await SeedUsersAsync(mini, cancellationToken);
        await CreateCampaignsAsync(mini, subscribe, legacy, cancellationToken);
        await CreateChannelAsync(official, liveStart, cancellationToken);
        logger.LogInformation("Demo data: accounts {Mini} and {Official}, {Users} mini program users, {Followers} followers, " +
            "a daily reminder campaign, a first push under way and a channel with a live-start reminder (simulator at {Url}).",
            MiniProgramAppId, OfficialAccountAppId, options.Value.MiniProgramUsers, options.Value.Followers, simulatorUrl);
    }

    private void SeedSimulator()
    {
        simulator.UpsertApp(new AppSpec { AppId = MiniProgramAppId, Secret = MiniProgramSecret, Kind = "miniprogram", Name = "Demo mini program" });
        // The demo mini program is bound to the demo official account, so reminders of the account may open it.
        simulator.UpsertApp(new AppSpec
        {
            AppId = OfficialAccountAppId, Secret = OfficialAccountSecret, Kind = "officialaccount", Name = "Demo official account",
            MiniPrograms = [MiniProgramAppId],
        });
        simulator.DefineTemplate(MiniProgramAppId, new TemplateSpec
        {
            TemplateId = SubscribeTemplateId, Kind = "subscribe", Type = 2, Title = "签到提醒",
            Content = "活动名称:{{thing1.DATA}}\n提醒时间:{{time2.DATA}}\n温馨提示:{{thing3.DATA}}\n",
        });
        simulator.DefineTemplate(MiniProgramAppId, new TemplateSpec
        {
            TemplateId = LegacyTemplateId, Kind = "legacy", Title = "每日签到提醒",
            Content = "签到活动:{{keyword1.DATA}}\n提醒时间:{{keyword2.DATA}}\n",
        });
        simulator.DefineTemplate(OfficialAccountAppId, new TemplateSpec
        {
            TemplateId = LiveStartTemplateId, Kind = "official", Title = "直播开始提醒",
            Content = "直播间:{{thing1.DATA}}\n开播时间:{{time2.DATA}}\n",
        });
        // The demo users (generated openids 0..N-1) are users of the mini program again after a restart, so the formIds
        // the console kept from before are answered 41028 (unknown formId) and dropped, not 40003 (unknown user).
        if (simulator.GetApp(MiniProgramAppId)!.GeneratedUsers < options.Value.MiniProgramUsers)
        {
            simulator.GenerateFollowers(MiniProgramAppId, options.Value.MiniProgramUsers);
        }
        if (simulator.Followers(OfficialAccountAppId).Total < options.Value.Followers)
        {
            simulator.GenerateFollowers(OfficialAccountAppId, options.Value.Followers);
        }
    }

    private async Task PointAtAsync(WeChatAccount account, string secret, string simulatorUrl, CancellationToken cancellationToken)
    {
        if (account.ApiBaseUrl != simulatorUrl && account.ApiBaseUrl.EndsWith(Hosting.EmbeddedSimulator.Prefix, StringComparison.Ordinal))
        {
            // A new port is a new host: the account's secret goes with the move, as an admin's would.
            var input = AccountInput.From(account);
            input.Secret = secret;
            input.ApiBaseUrl = simulatorUrl;
            await accounts.UpdateAsync(account.Id, input, cancellationToken);
        }
    }

    private async Task<WeChatAccount> CreateAccountAsync(string name, AccountKind kind, string appId, string secret, string url, CancellationToken cancellationToken)
    {
        var result = await accounts.CreateAsync(new AccountInput
        {
            Name = name, Kind = kind, AppId = appId, Secret = secret, ApiBaseUrl = url, SendRatePerSecond = 500,
            DailyQuota = 100_000, TimeZone = "Asia/Shanghai",
        }, cancellationToken);
        return result.Account ?? throw new InvalidOperationException($"Demo account not created: {string.Join(" ", result.Errors)}");
    }

    private async Task<(MessageTemplate? Subscribe, MessageTemplate? Legacy, MessageTemplate? LiveStart)> CreateTemplatesAsync(
        WeChatAccount mini, WeChatAccount official, CancellationToken cancellationToken)
    {
        var subscribe = await CreateTemplateAsync(new TemplateInput
        {
            AccountId = mini.Id, Kind = TemplateKind.Subscribe, WeChatTemplateId = SubscribeTemplateId, Title = "签到提醒",
            Content = "活动名称:{{thing1.DATA}}\n提醒时间:{{time2.DATA}}\n温馨提示:{{thing3.DATA}}\n", Page = "pages/checkin/index",
            Fields = [new() { Key = "thing1", ValueExpression = "每日签到" }, new() { Key = "time2", ValueExpression = "{date} {time}" },
                new() { Key = "thing3", ValueExpression = "今天还没有签到哦" }],
        }, cancellationToken);
        var legacy = await CreateTemplateAsync(new TemplateInput
        {
            AccountId = mini.Id, Kind = TemplateKind.MiniProgramTemplate, WeChatTemplateId = LegacyTemplateId, Title = "每日签到提醒",
            Content = "签到活动:{{keyword1.DATA}}\n提醒时间:{{keyword2.DATA}}\n", Page = "pages/checkin/index",
            Fields = [new() { Key = "keyword1", ValueExpression = "{campaign.name}" }, new() { Key = "keyword2", ValueExpression = "{date} {time}" }],
        }, cancellationToken);
        var liveStart = await CreateTemplateAsync(new TemplateInput
        {
            AccountId = official.Id, Kind = TemplateKind.OfficialAccountTemplate, WeChatTemplateId = LiveStartTemplateId, Title = "直播开始提醒",
            Content = "直播间:{{thing1.DATA}}\n开播时间:{{time2.DATA}}\n", Url = "https://example.com/live",
            Fields = [new() { Key = "thing1", ValueExpression = "{channel.name}" }, new() { Key = "time2", ValueExpression = "{channel.startsAt}" }],
        }, cancellationToken);
        return (subscribe, legacy, liveStart);
    }

    private async Task<MessageTemplate?> CreateTemplateAsync(TemplateInput input, CancellationToken cancellationToken)
    {
        var result = await templates.CreateAsync(input, cancellationToken);
        if (!result.Succeeded)
        {
            logger.LogWarning("Demo template {Title} not created: {Errors}", input.Title, string.Join(" ", result.Errors));
        }
        return result.Template;
    }

    /// <summary>
    /// The seeds' daily reminder (10:00 in the account's zone, to users who have not checked in today, one message per
    /// user per day), and a first push to every user holding a subscribe grant so the outcome pages have a run to show.
    /// </summary>
    private async Task CreateCampaignsAsync(WeChatAccount mini, MessageTemplate? subscribe, MessageTemplate? legacy, CancellationToken cancellationToken)
    {
        if (legacy is not null)
        {
            await CreateCampaignAsync(new CampaignInput
            {
                Name = "Daily check-in reminder", AccountId = mini.Id, TemplateId = legacy.Id, Audience = AudienceKind.NotActiveToday,
                Schedule = ScheduleKind.Recurring, Cron = "0 10 * * *", TimeZone = mini.TimeZone,
            }, cancellationToken);
        }
        if (subscribe is not null)
        {
            await CreateCampaignAsync(new CampaignInput
            {
                Name = "Welcome: check-in reminder to subscribers", AccountId = mini.Id, TemplateId = subscribe.Id,
                Audience = AudienceKind.UsableCredential, Schedule = ScheduleKind.Now,
            }, cancellationToken);
        }
    }

    private async Task CreateCampaignAsync(CampaignInput input, CancellationToken cancellationToken)
    {
        var result = await campaigns.CreateAsync(input, "demo", cancellationToken);
        if (result.Campaign is null)
        {
            logger.LogWarning("Demo campaign {Name} not created: {Errors}", input.Name, string.Join(" ", result.Errors));
        }
    }

    /// <summary>A live starting in two hours whose reminder goes to every follower 15 minutes before and opens the demo
    /// mini program (the name fills a `thing` field: at most 20 characters).</summary>
    private async Task CreateChannelAsync(WeChatAccount official, MessageTemplate? liveStart, CancellationToken cancellationToken)
    {
        if (liveStart is null)
        {
            return;
        }
        var zone = TimeZoneInfo.FindSystemTimeZoneById(official.TimeZone);
        var start = TimeZoneInfo.ConvertTime(time.GetUtcNow().AddHours(2), zone).DateTime;
        var result = await channels.CreateAsync(new ChannelInput
        {
            Name = "Product launch live", AccountId = official.Id, TimeZone = official.TimeZone,
            StartsAt = new DateTime(start.Year, start.Month, start.Day, start.Hour, start.Minute, 0, DateTimeKind.Unspecified),
            TemplateId = liveStart.Id, Url = "https://example.com/live", ReminderEnabled = true, ReminderMinutesAhead = 15,
            // Opens the live page of the demo mini program (bound to the account in the simulator); the url is the
            // fallback for clients that cannot open mini programs.
            MiniProgramAppId = MiniProgramAppId, MiniProgramPagePath = LivePagePath,
        }, cancellationToken);
        if (result.Channel is null)
        {
            logger.LogWarning("Demo channel not created: {Errors}", string.Join(" ", result.Errors));
        }
    }

    /// <summary>Users as a mini program would report them: formIds minted by the simulator for each, some grants, some check-ins.</summary>
    private async Task SeedUsersAsync(WeChatAccount mini, CancellationToken cancellationToken)
    {
        var random = new Random(20261122);
        var now = time.GetUtcNow();
        for (var i = 0; i < options.Value.MiniProgramUsers; i++)
        {
            var openId = WeChatSimulator.GeneratedOpenId(MiniProgramAppId, i);
            // A spread of inventories: some users with none, most with a few, a handful with many.
            await users.RecordLoginAsync(mini.Id, openId, null, cancellationToken);
            var count = i % 10 == 0 ? 0 : i % 17 == 0 ? 12 : random.Next(1, 6);
            if (count > 0)
            {
                var formIds = simulator.MintFormIds(MiniProgramAppId, openId, count);
                var ages = formIds.Select(_ => TimeSpan.FromHours(random.Next(0, 24 * 6))).ToList();
                await intake.ReportAsync(mini.Id, openId,
                    formIds.Select((f, n) => new ReportedCredential(f, CredentialKind.FormId, now - ages[n] + TimeSpan.FromDays(7))).ToList(),
                    cancellationToken);
            }
            if (i % 3 == 0)
            {
                simulator.Grant(MiniProgramAppId, openId, SubscribeTemplateId, 1);
                await subscriptions.ReportAsync(mini.Id, openId, [KeyValuePair.Create(SubscribeTemplateId, "accept")], cancellationToken);
            }
            if (i % 4 == 0)
            {
                await activity.RecordAsync(mini.Id, openId, ActivityLog.CheckIn, cancellationToken);
            }
        }
    }
}
