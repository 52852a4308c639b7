using PushConsole.Campaigns;
using PushConsole.Ledger;
using PushConsole.Persistence;
using RunStatus = PushConsole.Ledger.RunStatus;

namespace PushConsole.Tests.Campaigns;

/// <summary>Quiet hours of the account: sends are held until the window opens.</summary>
public class QuietHoursTests
{
    // 23:00 in Shanghai, inside quiet hours 22:00–08:00.
    private static readonly DateTimeOffset LateEvening = new(2026, 11, 20, 15, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_run_in_quiet_hours_sends_nothing_and_is_held_until_the_window_opens()
    {
        await using var h = await CampaignHarness.StartAsync(DatabaseProvider.Sqlite);
        var account = await h.AccountAsync(quietFrom: new TimeOnly(22, 0), quietUntil: new TimeOnly(8, 0));
        var template = await h.TemplateAsync(account);
        var users = await h.UsersWithFormIdsAsync(account, 3);
        h.Clock.AdjustTime(LateEvening);
        var campaign = await h.CampaignAsync(account, template, AudienceKind.UsableCredential);

        var (run, execution) = await h.SendAsync(campaign);

        Assert.Equal(RunStatus.Held, execution.Status);
        var morning = new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero); // 08:00 in Shanghai
        Assert.Equal(morning, execution.WakeAt);
        Assert.Contains("Quiet hours", ServiceText.Show((await h.RunAsync(run.Id)).StatusReason));
        Assert.Equal(3, (await h.Ledger.CountAsync(run.Id)).Pending);
        Assert.All(users, u => Assert.Equal(0, h.InboxCount(account, u)));

        h.Clock.AdjustTime(morning);
        CampaignHarness.AssertCompleted(await h.ExecuteAsync(run));
        Assert.All(users, u => Assert.Equal(1, h.InboxCount(account, u)));
    }

    [Fact]
    public async Task A_recurring_run_whose_quiet_hours_last_into_the_next_day_skips_its_recipients_for_quiet_hours()
    {
        await using var h = await CampaignHarness.StartAsync(DatabaseProvider.Sqlite);
        var account = await h.AccountAsync(quietFrom: new TimeOnly(22, 0), quietUntil: new TimeOnly(8, 0));
        var template = await h.TemplateAsync(account);
        var users = await h.UsersWithFormIdsAsync(account, 2);
        h.Clock.AdjustTime(LateEvening);
        var campaign = await h.CampaignAsync(account, template, AudienceKind.UsableCredential, schedule: ScheduleKind.Recurring, cron: "0 0 23 * * ?");

        var (run, execution) = await h.SendAsync(campaign);

        CampaignHarness.AssertCompleted(execution);
        Assert.All((await h.DeliveriesAsync(run.Id)).Values, r => Assert.Equal((DeliveryStatus.Skipped, SkipReason.QuietHours), (r.Status, r.SkipReason)));
        Assert.All(users, u => Assert.Equal(0, h.InboxCount(account, u)));
    }
}
