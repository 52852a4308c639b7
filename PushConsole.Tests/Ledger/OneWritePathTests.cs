using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using PushConsole.Accounts;
using PushConsole.Campaigns;
using PushConsole.Channels;
using PushConsole.Ledger;
using PushConsole.Persistence;
using PushConsole.Sending;
using PushConsole.Simulator;
using PushConsole.Templates;
using PushConsole.Tests.Campaigns;
using PushConsole.Tests.Channels;
using RunStatus = PushConsole.Ledger.RunStatus;
using TemplateKind = PushConsole.Templates.TemplateKind;

namespace PushConsole.Tests.Ledger;

/// <summary>Every run writes through one outcome writer and one SQLite write path, whatever its kind.</summary>
public class OneWritePathTests
{
    private const int Followers = 50_000;
    private const int CampaignUsers = 1_500;

    [Fact]
    public async Task A_campaign_and_a_50000_follower_broadcast_at_once_on_SQLite_both_complete_with_one_row_and_one_message_per_recipient()
    {
        var log = new LogLines();
        await using var h = await CampaignHarness.StartAsync(DatabaseProvider.Sqlite, configure: (services, _) =>
        {
            services.AddLogging(b => b.AddProvider(log));
            services.AddSingleton<AccountService>();
            services.AddChannelReminders();
        });
        // The campaign: mini program users with a formId each.
        var miniProgram = await h.AccountAsync(ratePerSecond: 5_000);
        var campaignTemplate = await h.TemplateAsync(miniProgram);
        var users = await h.UsersWithFormIdsAsync(miniProgram, CampaignUsers);
        var campaign = await h.CampaignAsync(miniProgram, campaignTemplate, AudienceKind.UsableCredential);
        // The broadcast: every follower of an official account, read through user/get.
        var official = await h.AccountAsync(AccountKind.OfficialAccount, ratePerSecond: 100_000);
        h.Sim.GenerateFollowers(official.AppId, Followers);
        var reminderTemplate = await ReminderTemplateAsync(h, official);
        var channels = h.Services.GetRequiredService<ChannelService>();
        var created = await channels.CreateAsync(new ChannelInput
        {
            Name = "Evening live", AccountId = official.Id, StartsAt = h.Clock.GetUtcNow().AddHours(1).UtcDateTime, TimeZone = "Asia/Shanghai",
            TemplateId = reminderTemplate.Id, ReminderEnabled = true, ReminderMinutesAhead = 10,
        });
        Assert.True(created.Succeeded, string.Join(" ", created.Errors));
        var channel = created.Channel!;
        Assert.Equal(FireResult.Started, await h.Services.GetRequiredService<ReminderFiring>().FireAsync(channel.Id, channel.Occurrence));
        var run = await h.FireAsync(campaign);

        var broadcastRun = (await channels.FindAsync(channel.Id))!.CurrentRunId!.Value;
        var broadcasting = Task.Run(() => h.Services.GetRequiredService<RunExecutor>().ExecuteAsync(broadcastRun, CancellationToken.None));
        var campaigning = Task.Run(() => h.ExecuteAsync(run));
        await Task.WhenAll(broadcasting, campaigning);

        CampaignHarness.AssertCompleted(await broadcasting);
        CampaignHarness.AssertCompleted(await campaigning);
        await using (var db = await h.Contexts.CreateDbContextAsync())
        {
            Assert.Equal(RunStatus.Completed, (await db.DeliveryRuns.SingleAsync(r => r.Id == broadcastRun)).Status);
            Assert.Equal(ReminderStatus.Notified, (await db.Channels.SingleAsync(c => c.Id == channel.Id)).ReminderStatus);
            foreach (var (runId, expected) in new[] { (broadcastRun, Followers), (run.Id, CampaignUsers) })
            {
                var rows = await db.Deliveries.Where(d => d.RunId == runId).GroupBy(d => d.Status)
                    .Select(g => new { g.Key, Count = g.Count() }).ToListAsync();
                Assert.Equal(expected, Assert.Single(rows, r => r.Key == DeliveryStatus.Sent).Count);
                Assert.Equal(expected, rows.Sum(r => r.Count));
            }
        }
        AssertOneEach(h.Sim.CountDeliveries(official.AppId, reminderTemplate.WeChatTemplateId), Followers);
        AssertOneEach(h.Sim.CountDeliveries(miniProgram.AppId, campaignTemplate.WeChatTemplateId), CampaignUsers);
        Assert.All(users.Take(20), u => Assert.Equal(1, h.InboxCount(miniProgram, u)));
        Assert.DoesNotContain(log.Lines, l => l.Contains("database is locked", StringComparison.OrdinalIgnoreCase));
    }

    private static void AssertOneEach(DeliveryCounts counts, int recipients) =>
        Assert.Equal((recipients, recipients, 0), (counts.TemplateTotal, counts.TemplateRecipients, counts.RecipientsWithDuplicates));

    private static async Task<MessageTemplate> ReminderTemplateAsync(CampaignHarness h, WeChatAccount account)
    {
        var defined = h.Sim.DefineTemplate(account.AppId,
            new TemplateSpec { Title = "开播提醒", Content = ChannelsHarness.TemplateContent, Kind = "official" });
        await using var db = await h.Contexts.CreateDbContextAsync();
        var template = ChannelsHarness.ReminderTemplate(account.Id, defined.TemplateId);
        db.Templates.Add(template);
        await db.SaveChangesAsync();
        return template;
    }

    /// <summary>Every log line of the node, with its exception's messages.</summary>
    private sealed class LogLines : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> lines = new();

        public IReadOnlyCollection<string> Lines => lines;

        public ILogger CreateLogger(string categoryName) => new Logger(lines);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                for (var e = exception; e is not null; e = e.InnerException)
                {
                    lines.Enqueue(e.Message);
                }
                lines.Enqueue(formatter(state, exception));
            }
        }
    }
}
