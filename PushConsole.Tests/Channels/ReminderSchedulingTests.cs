using Microsoft.Extensions.Time.Testing;
using Microsoft.EntityFrameworkCore;
using PushConsole.Accounts;
using PushConsole.Channels;
using PushConsole.Persistence;
using PushConsole.Templates;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.Channels;

/// <summary>Reminder triggers and the fire rules, on a clock the test moves (Quartz reads the same clock).</summary>
public class ReminderSchedulingTests
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 22, 2, 0, 0, TimeSpan.Zero));

    private DateTimeOffset Now => clock.GetUtcNow();

    private async Task<(ChannelsHarness Harness, WeChatAccount Account, MessageTemplate Template)> NewAsync()
    {
        var harness = await ChannelsHarness.StartAsync(DatabaseProvider.Sqlite, clock);
        var account = await AddAccountAsync(harness, AccountKind.OfficialAccount);
        var template = await harness.AddTemplateAsync(account.Id, "tmpl-live-start");
        return (harness, account, template);
    }

    private static async Task<WeChatAccount> AddAccountAsync(ChannelsHarness harness, AccountKind kind)
    {
        var created = await harness.Services.GetRequiredService<AccountService>().CreateAsync(new AccountInput
        {
            Name = $"{kind} {Guid.NewGuid():N}"[..20], Kind = kind, AppId = "wx" + Guid.NewGuid().ToString("N")[..16], Secret = "secret",
            ApiBaseUrl = "http://127.0.0.1:9", TimeZone = "Asia/Shanghai",
        });
        Assert.True(created.Succeeded, string.Join(" ", created.Errors));
        return created.Account!;
    }

    [Fact]
    public async Task Saving_a_channel_with_the_reminder_on_schedules_one_trigger_at_start_minus_minutes_ahead()
    {
        var (harness, account, template) = await NewAsync();
        await using var _ = harness;

        var channel = await harness.CreateAsync(ChannelsHarness.Input(account.Id, template.Id, Now.AddHours(2), minutesAhead: 30));

        var trigger = await harness.Schedule.FindAsync(channel.Id);
        Assert.Equal(new ScheduledReminder(channel.Id, 1, Now.AddMinutes(90)), trigger);
        Assert.Equal(ReminderStatus.NotNotified, channel.ReminderStatus);
    }

    [Fact]
    public async Task Editing_the_start_or_the_minutes_ahead_reschedules_the_trigger()
    {
        var (harness, account, template) = await NewAsync();
        await using var _ = harness;
        var channel = await harness.CreateAsync(ChannelsHarness.Input(account.Id, template.Id, Now.AddHours(2), minutesAhead: 30));

        var moved = await harness.Channels.UpdateAsync(channel.Id, ChannelsHarness.Input(account.Id, template.Id, Now.AddHours(5), minutesAhead: 30));
        var afterMove = await harness.Schedule.FindAsync(channel.Id);
        var ahead = await harness.Channels.UpdateAsync(channel.Id, ChannelsHarness.Input(account.Id, template.Id, Now.AddHours(5), minutesAhead: 120));
        var afterMinutes = await harness.Schedule.FindAsync(channel.Id);

        Assert.True(moved.Succeeded && ahead.Succeeded);
        Assert.Equal(Now.AddHours(4.5), afterMove!.FireAt);
        Assert.Equal(Now.AddHours(3), afterMinutes!.FireAt);
        Assert.Equal(1, afterMinutes.Occurrence);
    }

    [Fact]
    public async Task Turning_the_reminder_off_or_deleting_the_channel_unschedules_it()
    {
        var (harness, account, template) = await NewAsync();
        await using var _ = harness;
        var channel = await harness.CreateAsync(ChannelsHarness.Input(account.Id, template.Id, Now.AddHours(2)));

        await harness.Channels.UpdateAsync(channel.Id, ChannelsHarness.Input(account.Id, template.Id, Now.AddHours(2), reminder: false));
        var whenOff = await harness.Schedule.FindAsync(channel.Id);
        await harness.Channels.UpdateAsync(channel.Id, ChannelsHarness.Input(account.Id, template.Id, Now.AddHours(2), reminder: true));
        var whenOnAgain = await harness.Schedule.FindAsync(channel.Id);
        var deleted = await harness.Channels.DeleteAsync(channel.Id);

        Assert.Null(whenOff);
        Assert.NotNull(whenOnAgain);
        Assert.True(deleted);
        Assert.Null(await harness.Schedule.FindAsync(channel.Id));
        Assert.Equal(FireResult.Stale, await harness.Firing.FireAsync(channel.Id, 1));
    }

    [Fact]
    public async Task A_reminder_time_already_past_fires_at_once_while_a_start_in_the_past_is_refused()
    {
        var (harness, account, template) = await NewAsync();
        await using var _ = harness;

        var soon = await harness.CreateAsync(ChannelsHarness.Input(account.Id, template.Id, Now.AddMinutes(5), minutesAhead: 30));
        var past = await harness.Channels.CreateAsync(ChannelsHarness.Input(account.Id, template.Id, Now.AddMinutes(-1)));

        Assert.Equal(Now, (await harness.Schedule.FindAsync(soon.Id))!.FireAt);
        Assert.False(past.Succeeded);
        Assert.Contains(past.Errors, e => e.Contains("in the past"));
    }

    [Fact]
    public async Task Moving_the_start_after_a_completed_notification_opens_a_new_occurrence()
    {
        var (harness, account, template) = await NewAsync();
        await using var _ = harness;
        var channel = await harness.CreateAsync(ChannelsHarness.Input(account.Id, template.Id, Now.AddHours(2), minutesAhead: 30));
        clock.Advance(TimeSpan.FromMinutes(90));
        Assert.Equal(FireResult.Started, await harness.Firing.FireAsync(channel.Id, 1));
        // As the broadcast does when it finishes.
        Assert.True(await harness.Services.GetRequiredService<ReminderTransitions>()
            .MoveAsync(channel.Id, 1, ReminderStatus.Notifying, ReminderStatus.Notified, "Sent to 3 of 3 followers."));

        var renamed = await harness.Channels.UpdateAsync(channel.Id,
            ChannelsHarness.Input(account.Id, template.Id, channel.StartsAt, minutesAhead: 30, name: "Renamed live"));
        var afterRename = (await harness.Channels.FindAsync(channel.Id))!;
        var moved = await harness.Channels.UpdateAsync(channel.Id,
            ChannelsHarness.Input(account.Id, template.Id, channel.StartsAt.AddDays(1), minutesAhead: 30, name: "Renamed live"));
        var afterMove = (await harness.Channels.FindAsync(channel.Id))!;

        Assert.True(renamed.Succeeded && moved.Succeeded);
        Assert.Equal((1, ReminderStatus.Notified), (afterRename.Occurrence, afterRename.ReminderStatus));
        Assert.Equal((2, ReminderStatus.NotNotified, (long?)null, (string?)null),
            (afterMove.Occurrence, afterMove.ReminderStatus, afterMove.CurrentRunId, afterMove.ReminderReason));
        Assert.Equal(new ScheduledReminder(channel.Id, 2, channel.StartsAt.AddDays(1).AddMinutes(-30)), await harness.Schedule.FindAsync(channel.Id));
        // The first occurrence's trigger, were it to fire again, is recognised as stale.
        Assert.Equal(FireResult.Stale, await harness.Firing.FireAsync(channel.Id, 1));
    }

    [Fact]
    public async Task A_reminder_that_fires_after_the_live_began_is_marked_missed_and_sends_nothing()
    {
        var (harness, account, template) = await NewAsync();
        await using var _ = harness;
        var channel = await harness.CreateAsync(ChannelsHarness.Input(account.Id, template.Id, Now.AddHours(2), minutesAhead: 30));

        // The console was down from before the reminder until after the start.
        clock.Advance(TimeSpan.FromHours(2) + TimeSpan.FromSeconds(1));
        var result = await harness.Firing.FireAsync(channel.Id, 1);

        Assert.Equal(FireResult.Missed, result);
        var missed = (await harness.Channels.FindAsync(channel.Id))!;
        Assert.Equal(ReminderStatus.Missed, missed.ReminderStatus);
        Assert.StartsWith("Missed: the console was not running at reminder time", missed.ReminderReason);
        await using var db = await harness.Services.GetRequiredService<IDbContextFactory<PushConsoleDbContext>>().CreateDbContextAsync();
        Assert.False(await db.DeliveryRuns.AnyAsync());
    }

    [Fact]
    public async Task A_late_reminder_still_fires_while_the_live_has_not_started()
    {
        var (harness, account, template) = await NewAsync();
        await using var _ = harness;
        var channel = await harness.CreateAsync(ChannelsHarness.Input(account.Id, template.Id, Now.AddHours(2), minutesAhead: 30));

        clock.Advance(TimeSpan.FromHours(2) - TimeSpan.FromSeconds(1));
        var result = await harness.Firing.FireAsync(channel.Id, 1);
        var again = await harness.Firing.FireAsync(channel.Id, 1);

        Assert.Equal(FireResult.Started, result);
        Assert.Equal(FireResult.Stale, again);
        Assert.Equal(ReminderStatus.Notifying, (await harness.Channels.FindAsync(channel.Id))!.ReminderStatus);
    }

    [Fact]
    public async Task The_reminder_can_be_turned_on_only_for_an_official_account_with_an_enabled_official_account_template()
    {
        var (harness, account, template) = await NewAsync();
        await using var _ = harness;
        var miniProgram = await AddAccountAsync(harness, AccountKind.MiniProgram);
        var bare = await AddAccountAsync(harness, AccountKind.OfficialAccount);
        var disabled = await harness.AddTemplateAsync(bare.Id, "tmpl-disabled", enabled: false);
        var subscribe = await harness.AddTemplateAsync(bare.Id, "tmpl-subscribe", kind: TemplateKind.Subscribe);

        var choices = await harness.Channels.ReminderChoicesAsync(account.Id);
        var miniProgramChoices = await harness.Channels.ReminderChoicesAsync(miniProgram.Id);
        var bareChoices = await harness.Channels.ReminderChoicesAsync(bare.Id);
        var withDisabled = await harness.Channels.CreateAsync(ChannelsHarness.Input(bare.Id, disabled.Id, Now.AddHours(2)));
        var withSubscribe = await harness.Channels.CreateAsync(ChannelsHarness.Input(bare.Id, subscribe.Id, Now.AddHours(2)));
        var withoutTemplate = await harness.Channels.CreateAsync(ChannelsHarness.Input(account.Id, null, Now.AddHours(2)));
        var reminderOff = await harness.Channels.CreateAsync(ChannelsHarness.Input(bare.Id, null, Now.AddHours(2), reminder: false));

        Assert.Equal([template.Id], choices.Templates.Select(t => t.Id));
        Assert.Contains("is a mini program", miniProgramChoices.Unavailable);
        Assert.Contains("has no enabled official account template", bareChoices.Unavailable);
        Assert.Contains(withDisabled.Errors, e => e.Contains("has no enabled official account template"));
        Assert.Contains(withSubscribe.Errors, e => e.Contains("has no enabled official account template"));
        Assert.Contains(withoutTemplate.Errors, e => e.Contains("Choose the template"));
        Assert.True(reminderOff.Succeeded);
        Assert.Null(await harness.Schedule.FindAsync(reminderOff.Channel!.Id));
    }

    [Fact]
    public async Task A_template_disabled_after_scheduling_fails_the_reminder_with_the_reason_when_it_fires()
    {
        var (harness, account, template) = await NewAsync();
        await using var _ = harness;
        var channel = await harness.CreateAsync(ChannelsHarness.Input(account.Id, template.Id, Now.AddHours(2)));
        await using (var db = await harness.Services.GetRequiredService<IDbContextFactory<PushConsoleDbContext>>().CreateDbContextAsync())
        {
            await db.Templates.Where(t => t.Id == template.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.Enabled, false));
        }

        clock.Advance(TimeSpan.FromHours(1.9));
        var result = await harness.Firing.FireAsync(channel.Id, 1);

        Assert.Equal(FireResult.Failed, result);
        var failed = (await harness.Channels.FindAsync(channel.Id))!;
        Assert.Equal(ReminderStatus.Failed, failed.ReminderStatus);
        Assert.Contains("no enabled official account template", failed.ReminderReason);
    }

    [Fact]
    public async Task Canceling_a_scheduled_reminder_unschedules_it_and_turning_it_on_again_brings_it_back()
    {
        var (harness, account, template) = await NewAsync();
        await using var _ = harness;
        var channel = await harness.CreateAsync(ChannelsHarness.Input(account.Id, template.Id, Now.AddHours(2)));

        var canceled = await harness.Channels.CancelReminderAsync(channel.Id, null, "editor@test.local");
        var afterCancel = await harness.Schedule.FindAsync(channel.Id);
        var again = await harness.Channels.CancelReminderAsync(channel.Id, null, null);
        await harness.Channels.UpdateAsync(channel.Id, ChannelsHarness.Input(account.Id, template.Id, Now.AddHours(2), reminder: false));
        await harness.Channels.UpdateAsync(channel.Id, ChannelsHarness.Input(account.Id, template.Id, Now.AddHours(2), reminder: true));

        Assert.Equal(ReminderStatus.Canceled, canceled.Channel!.ReminderStatus);
        Assert.Equal("Canceled by editor@test.local.", canceled.Channel.ReminderReason);
        Assert.Null(afterCancel);
        Assert.True(again.Conflict);
        Assert.Equal(ReminderStatus.NotNotified, (await harness.Channels.FindAsync(channel.Id))!.ReminderStatus);
        Assert.Equal(1, (await harness.Schedule.FindAsync(channel.Id))!.Occurrence);
    }

    [Fact]
    public async Task A_field_value_the_template_cannot_render_is_refused_when_saving()
    {
        var (harness, account, template) = await NewAsync();
        await using var _ = harness;
        var input = ChannelsHarness.Input(account.Id, template.Id, Now.AddHours(2));
        input.Fields = new Dictionary<string, string> { ["thing1"] = "{channel.nmae} starts" };

        var result = await harness.Channels.CreateAsync(input);

        Assert.False(result.Succeeded);
        Assert.Contains(result.Errors, e => e.StartsWith("The reminder cannot be sent as written") && e.Contains("channel.nmae"));
    }
}
