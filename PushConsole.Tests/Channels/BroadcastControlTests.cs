using PushConsole.Persistence;
using PushConsole.Channels;
using PushConsole.Ledger;
using PushConsole.Tests.Infrastructure;
using PushConsole.Tests.Simulator;

namespace PushConsole.Tests.Channels;

/// <summary>Send-now, pause and resume of a channel's reminder broadcast, against the simulator's inboxes.</summary>
public class BroadcastControlTests(SimulatorServer sim) : IClassFixture<SimulatorServer>
{
    [Fact]
    public async Task Send_now_starts_the_broadcast_at_once_drops_the_trigger_and_reaches_every_follower_once()
    {
        await using var harness = await ChannelsHarness.StartAsync(DatabaseProvider.Sqlite);
        var (account, template, app) = await harness.AddOfficialAccountAsync(sim, followers: 1_500);
        var channel = await harness.CreateAsync(ChannelsHarness.Input(account.Id, template.Id, DateTimeOffset.UtcNow.AddHours(3), minutesAhead: 30));
        Assert.NotNull(await harness.Schedule.FindAsync(channel.Id));
        Assert.Equal(1_500, await harness.Channels.FollowerCountAsync(channel.Id));

        var sent = await harness.Channels.SendNowAsync(channel.Id, "editor@test.local");

        Assert.True(sent.Succeeded, string.Join(" ", sent.Errors));
        Assert.Equal(ReminderStatus.Notifying, sent.Channel!.ReminderStatus);
        Assert.NotNull(sent.Channel.CurrentRunId);
        Assert.Null(await harness.Schedule.FindAsync(channel.Id));
        Assert.Equal(RunStatus.Completed, await harness.RunAsync(channel.Id, CancellationToken.None));
        await app.AssertEachGotExactlyOneAsync(template.WeChatTemplateId, 1_500);
        Assert.Equal(ReminderStatus.Notified, (await harness.Channels.FindAsync(channel.Id))!.ReminderStatus);

        // The trigger's own fire, had it survived, finds the occurrence notified; a second send-now is refused.
        Assert.Equal(FireResult.Stale, await harness.Firing.FireAsync(channel.Id, channel.Occurrence));
        var again = await harness.Channels.SendNowAsync(channel.Id, "editor@test.local");
        Assert.True(again.Conflict);
        Assert.Equal("There is no reminder to send now: it is notified.", Assert.Single(again.Errors));
        await app.AssertEachGotExactlyOneAsync(template.WeChatTemplateId, 1_500);
    }

    [Fact]
    public async Task Send_now_is_refused_with_the_reason_when_the_reminder_is_off_or_the_live_has_begun()
    {
        await using var harness = await ChannelsHarness.StartAsync(DatabaseProvider.Sqlite);
        var (account, template, _) = await harness.AddOfficialAccountAsync(sim, followers: 10);
        var off = await harness.CreateAsync(ChannelsHarness.Input(account.Id, template.Id, DateTimeOffset.UtcNow.AddHours(2), reminder: false));
        var begun = await harness.CreateAsync(ChannelsHarness.Input(account.Id, template.Id, DateTimeOffset.UtcNow.AddHours(2)));
        await using (var db = await harness.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<PushConsole.Persistence.PushConsoleDbContext>>().CreateDbContextAsync())
        {
            (await db.Channels.FindAsync(begun.Id))!.StartsAt = DateTimeOffset.UtcNow.AddMinutes(-1);
            await db.SaveChangesAsync();
        }

        var refusedOff = await harness.Channels.SendNowAsync(off.Id, null);
        var refusedBegun = await harness.Channels.SendNowAsync(begun.Id, null);
        var missing = await harness.Channels.SendNowAsync(99_999, null);

        Assert.Equal("The reminder is off: turn it on and choose a template first.", Assert.Single(refusedOff.Errors));
        Assert.StartsWith("The live has begun (", Assert.Single(refusedBegun.Errors));
        Assert.True(missing.NotFound);
        Assert.Equal(ReminderStatus.NotNotified, (await harness.Channels.FindAsync(begun.Id))!.ReminderStatus);
        Assert.Null((await harness.Channels.FindAsync(begun.Id))!.CurrentRunId);
    }

    [Fact]
    public async Task A_paused_broadcast_stops_sending_and_resumed_goes_on_without_messaging_anyone_twice()
    {
        await using var harness = await ChannelsHarness.StartAsync(DatabaseProvider.Sqlite);
        var (account, template, app) = await harness.AddOfficialAccountAsync(sim, followers: 8_000, sendRate: 2_000);
        var channel = await harness.NotifyingChannelAsync(account.Id, template.Id);
        Assert.True((await harness.Channels.ResumeBroadcastAsync(channel.Id, null)).Conflict, "a run that is not paused cannot resume");

        var first = harness.RunAsync(channel.Id, CancellationToken.None);
        await BroadcastTests.WaitUntilAsync(async () => (await harness.CountsAsync(channel.Id)).Sent >= 500);
        var paused = await harness.Channels.PauseBroadcastAsync(channel.Id, "editor@test.local");

        Assert.True(paused.Succeeded, string.Join(" ", paused.Errors));
        Assert.Equal(RunStatus.Paused, await first);
        var atPause = await harness.CountsAsync(channel.Id);
        Assert.InRange(atPause.Sent, 500, 7_999);
        Assert.Equal(ReminderStatus.Notifying, (await harness.Channels.FindAsync(channel.Id))!.ReminderStatus);
        Assert.Equal((long)atPause.Sent, (await app.DeliveriesAsync(template.WeChatTemplateId)).Total);

        var resumed = await harness.Channels.ResumeBroadcastAsync(channel.Id, "editor@test.local");
        Assert.True(resumed.Succeeded, string.Join(" ", resumed.Errors));
        Assert.Equal(RunStatus.Completed, await harness.RunAsync(channel.Id, CancellationToken.None));
        await app.AssertEachGotExactlyOneAsync(template.WeChatTemplateId, 8_000);
        Assert.Equal(ReminderStatus.Notified, (await harness.Channels.FindAsync(channel.Id))!.ReminderStatus);
        Assert.True((await harness.Channels.PauseBroadcastAsync(channel.Id, null)).Conflict, "a finished broadcast cannot pause");
    }
}
