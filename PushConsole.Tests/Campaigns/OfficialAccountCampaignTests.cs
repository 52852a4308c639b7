using PushConsole.Accounts;
using PushConsole.Campaigns;
using PushConsole.Ledger;
using PushConsole.Persistence;
using TemplateKind = PushConsole.Templates.TemplateKind;

namespace PushConsole.Tests.Campaigns;

/// <summary>Official account campaigns: an uploaded list of followers, msgids, and client_msg_id from the ledger row.</summary>
public class OfficialAccountCampaignTests
{
    [Fact]
    public async Task Followers_receive_the_message_with_its_msgid_on_the_row_one_who_left_fails_with_43004_and_a_stranger_with_40003()
    {
        await using var h = await CampaignHarness.StartAsync(DatabaseProvider.Sqlite);
        var account = await h.AccountAsync(AccountKind.OfficialAccount);
        var template = await h.TemplateAsync(account, TemplateKind.OfficialAccountTemplate);
        var followers = Enumerable.Range(0, 3).Select(_ => CampaignHarness.NewOpenId()).ToList();
        var leaver = CampaignHarness.NewOpenId();
        h.Sim.AddFollowers(account.AppId, [.. followers, leaver]);
        h.Sim.RemoveFollower(account.AppId, leaver);
        // Never an openid of this account: WeChat answers 40003, and the run goes on to the others.
        var stranger = CampaignHarness.NewOpenId();
        var campaign = await h.CampaignAsync(account, template, AudienceKind.UploadedList, [stranger, .. followers, leaver]);

        var (run, execution) = await h.SendAsync(campaign);

        CampaignHarness.AssertCompleted(execution);
        var rows = await h.DeliveriesAsync(run.Id);
        foreach (var follower in followers)
        {
            var message = Assert.Single(h.Sim.GetInbox(account.AppId, follower));
            Assert.Equal((DeliveryStatus.Sent, message.MsgId), (rows[follower].Status, rows[follower].MsgId));
            Assert.Equal("Daily reminder", message.Data["first"]);
        }
        Assert.Equal((DeliveryStatus.Failed, 43004), (rows[leaver].Status, rows[leaver].ErrCode));
        Assert.Equal((DeliveryStatus.Failed, 40003), (rows[stranger].Status, rows[stranger].ErrCode));
    }

    [Fact]
    public async Task A_resend_after_a_crash_carries_the_rows_client_msg_id_so_wechat_delivers_once_with_the_same_msgid()
    {
        await using var h = await CampaignHarness.StartAsync(DatabaseProvider.Sqlite);
        var account = await h.AccountAsync(AccountKind.OfficialAccount);
        var template = await h.TemplateAsync(account, TemplateKind.OfficialAccountTemplate);
        var followers = Enumerable.Range(0, 5).Select(_ => CampaignHarness.NewOpenId()).ToList();
        h.Sim.AddFollowers(account.AppId, followers);
        var campaign = await h.CampaignAsync(account, template, AudienceKind.UploadedList, followers);
        var (run, _) = await h.SendAsync(campaign);
        var first = await h.DeliveriesAsync(run.Id);
        await DuplicateFireTests.CrashAfterSendingAsync(h, run.Id);
        h.Clock.Advance(TimeSpan.FromMinutes(3));

        CampaignHarness.AssertCompleted(await h.ExecuteAsync(run));

        var again = await h.DeliveriesAsync(run.Id);
        foreach (var follower in followers)
        {
            Assert.Equal(1, h.InboxCount(account, follower));
            Assert.Equal(first[follower].MsgId, again[follower].MsgId);
            Assert.Equal(2, again[follower].Attempts);
        }
    }

    [Fact]
    public async Task Credential_audiences_are_refused_for_official_account_templates()
    {
        await using var h = await CampaignHarness.StartAsync(DatabaseProvider.Sqlite);
        var account = await h.AccountAsync(AccountKind.OfficialAccount);
        var template = await h.TemplateAsync(account, TemplateKind.OfficialAccountTemplate);

        var result = await h.Campaigns.CreateAsync(new CampaignInput
        {
            Name = "x", AccountId = account.Id, TemplateId = template.Id, Audience = AudienceKind.NotActiveToday,
        }, "test");

        Assert.False(result.Succeeded);
        Assert.Contains(result.Errors, e => e.Contains("uploaded list"));
    }
}
