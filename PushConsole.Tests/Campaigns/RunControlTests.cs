using PushConsole.Campaigns;
using PushConsole.Credentials;
using PushConsole.Ledger;
using PushConsole.Persistence;
using RunStatus = PushConsole.Ledger.RunStatus;
using PushConsole.Sending;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.Campaigns;

/// <summary>Pause, resume and cancel of a run that is sending.</summary>
public class RunControlTests
{
    private const int Users = 80;

    private static async Task<(CampaignHarness H, Accounts.WeChatAccount Account, List<string> Users, DeliveryRun Run, Task<RunExecution> Execution)>
        SendingSlowlyAsync(DatabaseProvider provider)
    {
        var h = await CampaignHarness.StartAsync(provider);
        // 20 a second: the run takes about four seconds, long enough to stop it halfway.
        var account = await h.AccountAsync(ratePerSecond: 20);
        var template = await h.TemplateAsync(account);
        var users = await h.UsersWithFormIdsAsync(account, Users);
        var campaign = await h.CampaignAsync(account, template, AudienceKind.UsableCredential);
        var run = await h.FireAsync(campaign);
        var execution = h.ExecuteAsync(run);
        while (h.Sim.CountDeliveries(account.AppId).Total < 10)
        {
            await Task.Delay(20);
        }
        return (h, account, users, run, execution);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task A_paused_run_stops_sending_and_resume_continues_where_it_stopped_without_duplicates(DatabaseProvider provider)
    {
        var (h, account, users, run, execution) = await SendingSlowlyAsync(provider);
        await using var _ = h;

        var paused = await h.Control.PauseAsync(run.Id, "editor@test.local");

        Assert.True(paused.Succeeded);
        // The run's execution ends once its sends under way are written: from then on nothing more can go out.
        Assert.Equal(RunStatus.Paused, (await execution.WaitAsync(TimeSpan.FromSeconds(30))).Status);
        var delivered = h.Sim.CountDeliveries(account.AppId).Total;
        var counts = await h.Ledger.CountAsync(run.Id);
        Assert.True(delivered < Users, "the run finished before the pause; nothing was tested");
        Assert.Equal((delivered, Users - (int)delivered, 0), (counts.Sent, counts.Pending, counts.Sending));
        Assert.Equal("Paused by editor@test.local.", ServiceText.Show((await h.RunAsync(run.Id)).StatusReason));

        Assert.True((await h.Control.ResumeAsync(run.Id)).Succeeded);
        CampaignHarness.AssertCompleted(await h.ExecuteAsync(run));

        Assert.All(users, u => Assert.Equal(1, h.InboxCount(account, u)));
        Assert.Equal(Users, h.Sim.CountDeliveries(account.AppId).Total);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task A_canceled_run_stops_sending_skips_the_rest_and_leaves_their_formIds_in_the_pool(DatabaseProvider provider)
    {
        var (h, account, users, run, execution) = await SendingSlowlyAsync(provider);
        await using var _ = h;

        Assert.True((await h.Control.CancelAsync(run.Id, null)).Succeeded);

        Assert.Equal(RunStatus.Canceled, (await execution.WaitAsync(TimeSpan.FromSeconds(30))).Status);
        var delivered = h.Sim.CountDeliveries(account.AppId).Total;
        var rows = await h.DeliveriesAsync(run.Id);
        Assert.Equal(delivered, rows.Values.Count(r => r.Status == DeliveryStatus.Sent));
        var skipped = rows.Values.Where(r => r.Status == DeliveryStatus.Skipped).ToList();
        Assert.Equal(Users - delivered, skipped.Count);
        Assert.All(skipped, r => Assert.Equal(SkipReason.Canceled, r.SkipReason));
        foreach (var row in skipped)
        {
            Assert.Equal(CredentialStatus.Available, Assert.Single(await h.CredentialsOfAsync(account, row.Recipient)).Status);
        }
        Assert.False((await h.Control.ResumeAsync(run.Id)).Succeeded);
        Assert.Equal(RunStatus.Canceled, (await h.ExecuteAsync(run)).Status);
        Assert.Equal(delivered, h.Sim.CountDeliveries(account.AppId).Total);
    }

    [Fact]
    public async Task Commands_that_do_not_fit_the_runs_state_are_refused_and_change_nothing()
    {
        await using var h = await CampaignHarness.StartAsync(DatabaseProvider.Sqlite);
        var account = await h.AccountAsync();
        var template = await h.TemplateAsync(account);
        await h.UsersWithFormIdsAsync(account, 2);
        var campaign = await h.CampaignAsync(account, template, AudienceKind.UsableCredential);
        var (run, _) = await h.SendAsync(campaign);

        var pause = await h.Control.PauseAsync(run.Id, null);
        var resume = await h.Control.ResumeAsync(run.Id);
        var cancel = await h.Control.CancelAsync(run.Id, null);
        var missing = await h.Control.PauseAsync(run.Id + 1000, null);

        Assert.All(new[] { pause, resume, cancel }, r => Assert.Equal((false, RunStatus.Completed), (r.Succeeded, r.Status)));
        Assert.Null(missing.Status);
    }
}
