using PushConsole.Campaigns;
using PushConsole.Ledger;
using PushConsole.Persistence;
using PushConsole.Sending;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.Campaigns;

/// <summary>A trigger that fires twice, two executions of one run, a crash mid-send: the ledger sends each message once.</summary>
public class DuplicateFireTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task A_duplicate_fire_of_the_same_trigger_opens_the_same_run_and_sends_nothing_twice(DatabaseProvider provider)
    {
        await using var h = await CampaignHarness.StartAsync(provider);
        var account = await h.AccountAsync(ratePerSecond: 500);
        var template = await h.TemplateAsync(account);
        var users = await h.UsersWithFormIdsAsync(account, 60, formIds: 2);
        var campaign = await h.CampaignAsync(account, template, AudienceKind.UsableCredential, schedule: ScheduleKind.Recurring, cron: "0 10 * * *");
        var scheduled = new DateTimeOffset(2026, 11, 20, 2, 0, 0, TimeSpan.Zero);
        // A second executor with its own same-node gate stands for another node of the cluster.
        var otherNode = ActivatorUtilities.CreateInstance<RunExecutor>(h.Services, new RunGate());

        var runs = await Task.WhenAll(h.FireAsync(campaign, scheduled), h.FireAsync(campaign, scheduled));
        var executions = await Task.WhenAll(
            h.ExecuteAsync(runs[0]), h.ExecuteAsync(runs[1]), otherNode.ExecuteAsync(runs[0].Id, CancellationToken.None));

        Assert.Equal(runs[0].Id, runs[1].Id);
        Assert.Equal(60, executions.Sum(e => e.Sent));
        Assert.Equal(new RunCounts(0, 0, 60, 0, 0), await h.Ledger.CountAsync(runs[0].Id));
        Assert.All(users, u => Assert.Equal(1, h.InboxCount(account, u)));
        Assert.Equal(60, h.Sim.CountDeliveries(account.AppId).Total);
    }

    [Fact]
    public async Task Firing_again_after_the_run_finished_finds_the_finished_run_and_sends_nothing()
    {
        await using var h = await CampaignHarness.StartAsync(DatabaseProvider.Sqlite);
        var account = await h.AccountAsync();
        var template = await h.TemplateAsync(account);
        var users = await h.UsersWithFormIdsAsync(account, 3, formIds: 2);
        var campaign = await h.CampaignAsync(account, template, AudienceKind.UsableCredential, dailyCap: 5);
        var scheduled = h.Clock.GetUtcNow();
        var first = await h.FireAsync(campaign, scheduled);
        CampaignHarness.AssertCompleted(await h.ExecuteAsync(first));

        var again = await h.FireAsync(campaign, scheduled);
        var execution = await h.ExecuteAsync(again);

        Assert.Equal(first.Id, again.Id);
        Assert.Equal(0, execution.Sent);
        Assert.All(users, u => Assert.Equal(1, h.InboxCount(account, u)));
    }

    [Fact]
    public async Task Rows_a_crashed_sender_left_in_sending_are_resent_with_their_formId_and_not_delivered_twice()
    {
        await using var h = await CampaignHarness.StartAsync(DatabaseProvider.Sqlite);
        var account = await h.AccountAsync();
        var template = await h.TemplateAsync(account);
        var users = await h.UsersWithFormIdsAsync(account, 4, formIds: 2);
        var campaign = await h.CampaignAsync(account, template, AudienceKind.UsableCredential);
        var (run, _) = await h.SendAsync(campaign);
        // As if the node died after WeChat accepted the sends and before their outcomes were written.
        await CrashAfterSendingAsync(h, run.Id);
        h.Clock.Advance(TimeSpan.FromMinutes(5));

        var execution = await h.ExecuteAsync(run);

        CampaignHarness.AssertCompleted(execution);
        Assert.All(users, u => Assert.Equal(1, h.InboxCount(account, u)));
        Assert.All((await h.DeliveriesAsync(run.Id)).Values, r => Assert.Equal((DeliveryStatus.Failed, 41029), (r.Status, r.ErrCode)));
        // The users' other formIds were not touched: a resend never takes another credential.
        foreach (var user in users)
        {
            Assert.Single(await h.CredentialsOfAsync(account, user), c => c.Status == PushConsole.Credentials.CredentialStatus.Available);
        }
    }

    internal static async Task CrashAfterSendingAsync(CampaignHarness h, long runId)
    {
        await using var db = await h.Contexts.CreateDbContextAsync();
        var rows = db.Deliveries.Where(d => d.RunId == runId).ToList();
        foreach (var row in rows)
        {
            row.Status = DeliveryStatus.Sending;
            row.SendingSince = h.Clock.GetUtcNow();
            row.FinishedAt = null;
            row.MsgId = null;
        }
        var run = await db.DeliveryRuns.FindAsync(runId);
        run!.Status = PushConsole.Ledger.RunStatus.Running;
        await db.SaveChangesAsync();
    }
}
