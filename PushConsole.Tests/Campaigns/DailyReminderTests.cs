using PushConsole.Campaigns;
using PushConsole.Credentials;
using PushConsole.Ledger;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.Campaigns;

/// <summary>The seeds' daily reminder: users not active today, one message per user per day, earliest-expiring formId.</summary>
public class DailyReminderTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task The_daily_reminder_skips_users_who_checked_in_today_and_sends_each_other_user_their_earliest_expiring_formId(DatabaseProvider provider)
    {
        await using var h = await CampaignHarness.StartAsync(provider);
        var account = await h.AccountAsync();
        var template = await h.TemplateAsync(account);
        var users = Enumerable.Range(0, 6).Select(_ => CampaignHarness.NewOpenId()).ToList();
        var earliest = new Dictionary<string, string>();
        foreach (var user in users)
        {
            var ids = h.Sim.MintFormIds(account.AppId, user, 2);
            // Reported later-expiring first, so insertion order cannot pass for expiry order.
            await h.ReportAsync(account, user, new ReportedCredential(ids[0]),
                new ReportedCredential(ids[1], ClientExpiry: h.Clock.GetUtcNow().AddDays(2)));
            earliest[user] = ids[1];
        }
        await h.CheckInAsync(account, users[0]);
        await h.CheckInAsync(account, users[1]);
        h.Clock.AdjustTime(h.Clock.GetUtcNow().AddDays(-1));
        await h.CheckInAsync(account, users[2]); // yesterday: not active today
        h.Clock.Advance(TimeSpan.FromDays(1));
        var campaign = await h.CampaignAsync(account, template, AudienceKind.NotActiveToday, schedule: ScheduleKind.Recurring, cron: "0 10 * * *");

        var (run, execution) = await h.SendAsync(campaign);

        CampaignHarness.AssertCompleted(execution);
        var rows = await h.DeliveriesAsync(run.Id);
        Assert.Equal(users.Skip(2).Order(), rows.Keys.Order());
        Assert.All(rows.Values, r => Assert.Equal(DeliveryStatus.Sent, r.Status));
        foreach (var user in users.Skip(2))
        {
            var message = Assert.Single(h.Sim.GetInbox(account.AppId, user));
            Assert.Equal(earliest[user], message.FormId);
            Assert.Equal(user, message.Data["keyword3"]);
        }
        Assert.Empty(h.Sim.GetInbox(account.AppId, users[0]));
        Assert.Empty(h.Sim.GetInbox(account.AppId, users[1]));
        Assert.Equal(4, (await h.RunAsync(run.Id)).ExpectedTotal);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task A_second_reminder_on_the_same_day_is_capped_and_the_next_day_sends_again(DatabaseProvider provider)
    {
        await using var h = await CampaignHarness.StartAsync(provider);
        var account = await h.AccountAsync();
        var template = await h.TemplateAsync(account);
        var users = await h.UsersWithFormIdsAsync(account, 5, formIds: 3);
        var campaign = await h.CampaignAsync(account, template, AudienceKind.NotActiveToday, schedule: ScheduleKind.Recurring, cron: "0 10 * * *");
        await h.SendAsync(campaign);

        h.Clock.Advance(TimeSpan.FromHours(3));
        var (again, _) = await h.SendAsync(campaign);

        var rows = await h.DeliveriesAsync(again.Id);
        Assert.Equal(5, rows.Count);
        Assert.All(rows.Values, r => Assert.Equal((DeliveryStatus.Skipped, SkipReason.Capped), (r.Status, r.SkipReason)));
        Assert.All(users, u => Assert.Equal(1, h.InboxCount(account, u)));
        // Capped rows never claimed a credential: each user still holds two unused formIds.
        foreach (var user in users)
        {
            Assert.Equal(2, (await h.CredentialsOfAsync(account, user)).Count(c => c.Status == CredentialStatus.Available));
        }

        h.Clock.Advance(TimeSpan.FromDays(1));
        var (tomorrow, execution) = await h.SendAsync(campaign);

        CampaignHarness.AssertCompleted(execution);
        Assert.Equal(5, execution.Sent);
        Assert.All(users, u => Assert.Equal(2, h.InboxCount(account, u)));
        Assert.NotEqual(again.Id, tomorrow.Id);
    }

    [Fact]
    public async Task The_cap_counts_sends_of_other_campaigns_of_the_account()
    {
        await using var h = await CampaignHarness.StartAsync(DatabaseProvider.Sqlite);
        var account = await h.AccountAsync();
        var template = await h.TemplateAsync(account);
        var users = await h.UsersWithFormIdsAsync(account, 4, formIds: 3);
        var promotion = await h.CampaignAsync(account, template, AudienceKind.UploadedList, recipients: users.Take(2), dailyCap: 5);
        await h.SendAsync(promotion);
        var reminder = await h.CampaignAsync(account, template, AudienceKind.UsableCredential, dailyCap: 1);

        var (run, execution) = await h.SendAsync(reminder);

        var rows = await h.DeliveriesAsync(run.Id);
        Assert.Equal(2, execution.Sent);
        Assert.All(users.Take(2), u => Assert.Equal(SkipReason.Capped, rows[u].SkipReason));
        Assert.All(users.Skip(2), u => Assert.Equal(DeliveryStatus.Sent, rows[u].Status));
        Assert.All(users, u => Assert.Equal(1, h.InboxCount(account, u)));
    }

    [Fact]
    public async Task Users_without_a_usable_credential_are_skipped_with_that_reason()
    {
        await using var h = await CampaignHarness.StartAsync(DatabaseProvider.Sqlite);
        var account = await h.AccountAsync();
        var template = await h.TemplateAsync(account);
        var holders = await h.UsersWithFormIdsAsync(account, 2);
        var strangers = new[] { CampaignHarness.NewOpenId(), CampaignHarness.NewOpenId() };
        var campaign = await h.CampaignAsync(account, template, AudienceKind.UploadedList, recipients: holders.Concat(strangers));

        var (run, execution) = await h.SendAsync(campaign);

        var rows = await h.DeliveriesAsync(run.Id);
        Assert.Equal(RunStatus.Completed, execution.Status);
        Assert.All(holders, u => Assert.Equal(DeliveryStatus.Sent, rows[u].Status));
        Assert.All(strangers, u => Assert.Equal((DeliveryStatus.Skipped, SkipReason.NoCredential), (rows[u].Status, rows[u].SkipReason)));
    }
}
