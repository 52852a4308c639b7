using PushConsole.Campaigns;
using PushConsole.Ledger;
using PushConsole.Persistence;
using PushConsole.Scheduling;
using PushConsole.Sending;
using PushConsole.Tests.Campaigns;
using PushConsole.Tests.Channels;

namespace PushConsole.Tests.Cluster;

/// <summary>A campaign run's batches shared by the node its job runs on and another node's helper, on PostgreSQL.</summary>
public class ClusterCampaignTests
{
    [Fact]
    public async Task Another_node_joins_a_campaign_run_under_way_and_the_two_send_each_message_once()
    {
        await using var h = await CampaignHarness.StartAsync(DatabaseProvider.Postgres, new Dictionary<string, string?> { ["Scheduler:Clustered"] = "true" });
        var account = await h.AccountAsync(ratePerSecond: 300);
        var template = await h.TemplateAsync(account);
        var users = await h.UsersWithFormIdsAsync(account, 600);
        var campaign = await h.CampaignAsync(account, template, AudienceKind.UsableCredential);
        var run = await h.FireAsync(campaign);
        // The other node: its own same-node gate, executor and helper on the shared database.
        var otherGate = new RunGate();
        var otherExecutor = ActivatorUtilities.CreateInstance<RunExecutor>(h.Services, otherGate);
        var helper = ActivatorUtilities.CreateInstance<RunJoiner>(h.Services, otherExecutor, otherGate,
            Microsoft.Extensions.Options.Options.Create(new SchedulerOptions { Clustered = true, InstanceId = "node2" }));
        Assert.Empty(await helper.RunsToHelpAsync(CancellationToken.None));

        var job = h.ExecuteAsync(run);
        await BroadcastTests.WaitUntilAsync(async () => (await helper.RunsToHelpAsync(CancellationToken.None)).Contains(run.Id), 30);
        var helped = await helper.HelpAsync(run.Id, CancellationToken.None);
        var executed = await job;
        // Rows one node put back while the other was taking (a credential the other held locked) wait for the run's
        // job, which Quartz fires again at the wake-up the execution asked for: do the same here.
        var again = 0;
        for (var execution = executed; execution is { Status: RunStatus.Running, WakeAt: not null } && again < 5; again++)
        {
            execution = await h.ExecuteAsync(run);
            executed = executed with { Sent = executed.Sent + execution.Sent, Status = execution.Status };
        }

        var counts = await h.Ledger.CountAsync(run.Id);
        var failures = string.Join(", ", (await h.DeliveriesAsync(run.Id)).Values.Where(d => d.Status != DeliveryStatus.Sent)
            .GroupBy(d => $"{d.Status} {d.ErrCode} {d.SkipReason}").Select(g => $"{g.Key}: {g.Count()}"));
        var summary = $"job node {executed}, helper {helped}, ledger {counts}, not sent: {failures}";
        Assert.True(executed.Sent > 0 && helped.Sent > 0, summary);
        Assert.True(600 == executed.Sent + helped.Sent, summary);
        Assert.Equal(new RunCounts(0, 0, 600, 0, 0), await h.Ledger.CountAsync(run.Id));
        Assert.Equal(RunStatus.Completed, (await h.RunAsync(run.Id)).Status);
        Assert.All(users, u => Assert.Equal(1, h.InboxCount(account, u)));
        Assert.Empty(await helper.RunsToHelpAsync(CancellationToken.None));
    }
}
