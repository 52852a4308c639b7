using Microsoft.EntityFrameworkCore;
using PushConsole.Channels;
using PushConsole.Ledger;
using PushConsole.Persistence;
using PushConsole.Tests.Simulator;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.Channels;

/// <summary>Follower broadcasts through the real WeChat client against the simulator on loopback, checked from its inboxes.</summary>
public class BroadcastTests(SimulatorServer sim) : IClassFixture<SimulatorServer>
{
    [Fact]
    public async Task A_broadcast_to_25000_followers_reaches_each_of_them_exactly_once()
    {
        await using var harness = await ChannelsHarness.StartAsync(DatabaseProvider.Sqlite);
        var (account, template, app) = await harness.AddOfficialAccountAsync(sim, followers: 25_000);
        var channel = await harness.NotifyingChannelAsync(account.Id, template.Id);

        var end = await harness.RunAsync(channel.Id, CancellationToken.None);

        Assert.Equal(RunStatus.Completed, end);
        await app.AssertEachGotExactlyOneAsync(template.WeChatTemplateId, 25_000);
        var counts = await harness.CountsAsync(channel.Id);
        Assert.Equal((25_000, 0, 25_000, 25_000), (counts.Sent, counts.Failed, counts.Rows, counts.Total));
        var done = (await harness.Channels.FindAsync(channel.Id))!;
        Assert.Equal(ReminderStatus.Notified, done.ReminderStatus);
        Assert.Contains("Sent to 25,000 of 25,000", done.ReminderReason);
        // The message is the template with the channel's values, the start in the channel's time zone.
        var inbox = await app.InboxAsync(await app.OpenIdAsync(7));
        var data = inbox.GetProperty("messages")[0].GetProperty("data");
        Assert.Equal("Evening live", data.GetProperty("thing1").GetString());
        Assert.Equal(ChannelTime.InZone(channel.StartsAt, "Asia/Shanghai").ToString("yyyy-MM-dd HH:mm"), data.GetProperty("time2").GetString());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task A_broadcast_stopped_mid_run_resumes_from_its_checkpoint_without_messaging_anyone_twice(DatabaseProvider provider)
    {
        await using var harness = await ChannelsHarness.StartAsync(provider);
        var (account, template, app) = await harness.AddOfficialAccountAsync(sim, followers: 12_000, sendRate: 3000);
        var channel = await harness.NotifyingChannelAsync(account.Id, template.Id);

        using var stop = new CancellationTokenSource();
        var first = harness.RunAsync(channel.Id, stop.Token);
        await WaitUntilAsync(async () => (await harness.CountsAsync(channel.Id)).Sent >= 3_000);
        await stop.CancelAsync();
        Assert.Equal(RunStatus.Running, await first);
        var interrupted = await harness.CountsAsync(channel.Id);
        Assert.InRange(interrupted.Sent, 3_000, 11_999);
        Assert.Equal(ReminderStatus.Notifying, (await harness.Channels.FindAsync(channel.Id))!.ReminderStatus);

        // As a restarted single node does: rows the stopped process held in Sending go out again (same client_msg_id).
        await harness.Ledger.RequeueAbandonedAsync(interrupted.RunId, TimeSpan.Zero);
        var end = await harness.RunAsync(channel.Id, CancellationToken.None);

        Assert.Equal(RunStatus.Completed, end);
        await app.AssertEachGotExactlyOneAsync(template.WeChatTemplateId, 12_000);
        Assert.Equal(12_000, (await harness.CountsAsync(channel.Id)).Sent);
    }

    [Fact]
    public async Task Unfollowed_followers_are_counted_apart_and_transient_faults_are_retried()
    {
        await using var harness = await ChannelsHarness.StartAsync(DatabaseProvider.Sqlite);
        var (account, template, app) = await harness.AddOfficialAccountAsync(sim, followers: 3_000);
        var channel = await harness.NotifyingChannelAsync(account.Id, template.Id);
        await app.AddFaultAsync(new { appid = app.AppId, api = "template_send", errcode = 43004, count = 37 });
        // Busy (-1) on one send in six: the client retries quickly, the broadcast retries what still fails.
        await app.AddFaultAsync(new { appid = app.AppId, api = "template_send", errcode = -1, rate = 0.17 });
        await app.AddFaultAsync(new { appid = app.AppId, api = "user_get", errcode = -1, count = 2 });

        var end = await harness.RunAsync(channel.Id, CancellationToken.None);

        Assert.Equal(RunStatus.Completed, end);
        var counts = await harness.CountsAsync(channel.Id);
        Assert.Equal((2_963, 37, 37), (counts.Sent, counts.Failed, counts.Unfollowed));
        var outcomes = await harness.Progress.OutcomesAsync(counts.RunId);
        Assert.Equal(37, Assert.Single(outcomes, o => o.Status == DeliveryStatus.Failed).Count);
        Assert.Equal(43004, Assert.Single(outcomes, o => o.Status == DeliveryStatus.Failed).ErrCode);
        var deliveries = await app.DeliveriesAsync(template.WeChatTemplateId);
        Assert.Equal((2_963L, 2_963, 0), (deliveries.Total, deliveries.Recipients, deliveries.RecipientsWithDuplicates));
        Assert.True(await app.ErrorCountAsync("template_send", -1) > 100, "the busy fault was not exercised");
        var done = (await harness.Channels.FindAsync(channel.Id))!;
        Assert.Equal(ReminderStatus.Notified, done.ReminderStatus);
        Assert.Contains("37 had unfollowed (43004)", done.ReminderReason);
    }

    [Fact]
    public async Task A_broadcast_outlasting_the_access_token_keeps_sending_with_fresh_tokens()
    {
        await using var harness = await ChannelsHarness.StartAsync(DatabaseProvider.Sqlite);
        var (account, template, app) = await harness.AddOfficialAccountAsync(sim, followers: 4_000, sendRate: 1_000);
        var channel = await harness.NotifyingChannelAsync(account.Id, template.Id);

        var run = harness.RunAsync(channel.Id, CancellationToken.None);
        // Two hours pass at WeChat mid-run: the token the client holds expires under it (42001) and it must get another.
        await WaitUntilAsync(async () => (await harness.CountsAsync(channel.Id)).Sent >= 1_000);
        await sim.AdvanceAsync(7_300);
        await WaitUntilAsync(async () => (await harness.CountsAsync(channel.Id)).Sent >= 2_500);
        await sim.AdvanceAsync(7_300);

        Assert.Equal(RunStatus.Completed, await run);
        await app.AssertEachGotExactlyOneAsync(template.WeChatTemplateId, 4_000);
        Assert.True(await app.ErrorCountAsync("template_send", 42001) > 0, "the token never expired during the run");
        Assert.Equal(0, (await harness.CountsAsync(channel.Id)).Failed);
    }

    [Fact]
    public async Task Canceling_a_broadcast_under_way_stops_it_and_leaves_the_rest_unsent()
    {
        await using var harness = await ChannelsHarness.StartAsync(DatabaseProvider.Sqlite);
        var (account, template, app) = await harness.AddOfficialAccountAsync(sim, followers: 20_000, sendRate: 2_000);
        var channel = await harness.NotifyingChannelAsync(account.Id, template.Id);

        var run = harness.RunAsync(channel.Id, CancellationToken.None);
        await WaitUntilAsync(async () => (await harness.CountsAsync(channel.Id)).Sent >= 1_000);
        var canceled = await harness.Channels.CancelReminderAsync(channel.Id, "the live was called off", "editor@test.local");

        Assert.True(canceled.Succeeded, string.Join(" ", canceled.Errors));
        Assert.Equal(RunStatus.Canceled, await run);
        var counts = await harness.CountsAsync(channel.Id);
        Assert.InRange(counts.Sent, 1_000, 19_999);
        Assert.Equal(0, counts.Pending);
        var deliveries = await app.DeliveriesAsync(template.WeChatTemplateId);
        Assert.Equal((long)counts.Sent, deliveries.Total);
        Assert.Equal(0, deliveries.RecipientsWithDuplicates);
        var done = (await harness.Channels.FindAsync(channel.Id))!;
        Assert.Equal(ReminderStatus.Canceled, done.ReminderStatus);
        Assert.Equal("Canceled by editor@test.local: the live was called off", done.ReminderReason);
        await using var db = await harness.Services.GetRequiredService<IDbContextFactory<PushConsoleDbContext>>().CreateDbContextAsync();
        Assert.Equal(RunStatus.Canceled, (await db.DeliveryRuns.SingleAsync(r => r.Id == counts.RunId)).Status);
    }

    [Fact]
    public async Task A_template_WeChat_refuses_fails_the_broadcast_with_the_reason_instead_of_failing_every_follower()
    {
        await using var harness = await ChannelsHarness.StartAsync(DatabaseProvider.Sqlite);
        var (account, _, app) = await harness.AddOfficialAccountAsync(sim, followers: 2_000);
        var deleted = await harness.AddTemplateAsync(account.Id, "template-deleted-at-wechat");
        var channel = await harness.NotifyingChannelAsync(account.Id, deleted.Id);

        var end = await harness.RunAsync(channel.Id, CancellationToken.None);

        Assert.Equal(RunStatus.Failed, end);
        var done = (await harness.Channels.FindAsync(channel.Id))!;
        Assert.Equal(ReminderStatus.Failed, done.ReminderStatus);
        Assert.Contains("40037", done.ReminderReason);
        var counts = await harness.CountsAsync(channel.Id);
        Assert.Equal(0, counts.Sent);
        Assert.True(counts.Skipped > 0);
        Assert.Equal(0, counts.Failed);
        Assert.Equal(0, (await app.DeliveriesAsync("template-deleted-at-wechat")).Total);
    }

    [Fact]
    public async Task The_per_minute_limit_45011_pauses_the_broadcast_briefly_and_it_completes_on_its_own()
    {
        await using var harness = await ChannelsHarness.StartAsync(DatabaseProvider.Sqlite);
        var (account, template, app) = await harness.AddOfficialAccountAsync(sim, followers: 3_000);
        var channel = await harness.NotifyingChannelAsync(account.Id, template.Id);
        await app.AddFaultAsync(new { appid = app.AppId, api = "template_send", errcode = 45011, count = 5 });

        var end = await harness.RunAsync(channel.Id, CancellationToken.None);

        Assert.Equal(RunStatus.Completed, end);
        await app.AssertEachGotExactlyOneAsync(template.WeChatTemplateId, 3_000);
        Assert.Equal(5, await app.ErrorCountAsync("template_send", 45011));
        Assert.Equal(ReminderStatus.Notified, (await harness.Channels.FindAsync(channel.Id))!.ReminderStatus);
    }

    [Fact]
    public async Task The_daily_quota_45009_holds_the_broadcast_until_the_accounts_next_midnight_and_it_then_goes_on()
    {
        await using var harness = await ChannelsHarness.StartAsync(DatabaseProvider.Sqlite);
        var (account, template, app) = await harness.AddOfficialAccountAsync(sim, followers: 2_000, sendRate: 1_000);
        var channel = await harness.NotifyingChannelAsync(account.Id, template.Id);
        await app.AddFaultAsync(new { appid = app.AppId, api = "template_send", errcode = 45009, count = 1 });

        Assert.Equal(RunStatus.Held, await harness.RunAsync(channel.Id, CancellationToken.None));

        Assert.Equal(ReminderStatus.Notifying, (await harness.Channels.FindAsync(channel.Id))!.ReminderStatus);
        var counts = await harness.CountsAsync(channel.Id);
        var contexts = harness.Services.GetRequiredService<IDbContextFactory<PushConsoleDbContext>>();
        await using (var db = await contexts.CreateDbContextAsync())
        {
            var run = await db.DeliveryRuns.SingleAsync(r => r.Id == counts.RunId);
            Assert.Equal(RunStatus.Held, run.Status);
            Assert.Equal(PushConsole.Accounts.AccountCalendar.Of(account).NextMidnight(DateTimeOffset.UtcNow), run.HeldUntil);
            Assert.Contains("45009", run.StatusReason);
        }
        // Still held: nothing more goes out.
        var sent = (await app.DeliveriesAsync(template.WeChatTemplateId)).Total;
        Assert.Equal(RunStatus.Held, await harness.RunAsync(channel.Id, CancellationToken.None));
        Assert.Equal(sent, (await app.DeliveriesAsync(template.WeChatTemplateId)).Total);

        // The next day came.
        await using (var db = await contexts.CreateDbContextAsync())
        {
            await db.DeliveryRuns.Where(r => r.Id == counts.RunId)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.HeldUntil, DateTimeOffset.UtcNow.AddMinutes(-1)));
        }
        Assert.Equal(RunStatus.Completed, await harness.RunAsync(channel.Id, CancellationToken.None));
        await app.AssertEachGotExactlyOneAsync(template.WeChatTemplateId, 2_000);
        Assert.Equal(ReminderStatus.Notified, (await harness.Channels.FindAsync(channel.Id))!.ReminderStatus);
    }

    internal static async Task WaitUntilAsync(Func<Task<bool>> condition, int timeoutSeconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the broadcast");
            await Task.Delay(50);
        }
    }
}
