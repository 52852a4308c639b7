using PushConsole.Campaigns;
using PushConsole.Credentials;
using PushConsole.Ledger;
using PushConsole.Persistence;
using PushConsole.Sending;
using PushConsole.Simulator;
using PushConsole.Templates;
using PushConsole.WeChat;
using RunStatus = PushConsole.Ledger.RunStatus;
using TemplateKind = PushConsole.Templates.TemplateKind;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.Campaigns;

/// <summary>Each class of WeChat failure, against the simulator: what the row, the credential and the run become.</summary>
public class FailureClassTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task An_invalid_formId_41028_is_dropped_and_the_same_users_next_formId_is_sent(DatabaseProvider provider)
    {
        await using var h = await CampaignHarness.StartAsync(provider);
        var account = await h.AccountAsync();
        var template = await h.TemplateAsync(account);
        var user = CampaignHarness.NewOpenId();
        var real = h.Sim.MintFormIds(account.AppId, user)[0];
        // WeChat does not know the earlier-expiring one (41028).
        await h.ReportAsync(account, user, new ReportedCredential(real),
            new ReportedCredential("unknown-to-wechat-0001", ClientExpiry: h.Clock.GetUtcNow().AddDays(1)));
        var campaign = await h.CampaignAsync(account, template, AudienceKind.UploadedList, [user]);

        var (run, execution) = await h.SendAsync(campaign);

        CampaignHarness.AssertCompleted(execution);
        Assert.Equal(DeliveryStatus.Sent, (await h.DeliveriesAsync(run.Id))[user].Status);
        Assert.Equal(real, Assert.Single(h.Sim.GetInbox(account.AppId, user)).FormId);
        var credentials = await h.CredentialsOfAsync(account, user);
        Assert.Equal(CredentialStatus.Invalid, credentials.Single(c => c.Value == "unknown-to-wechat-0001").Status);
    }

    [Fact]
    public async Task A_used_formId_41029_is_closed_and_the_same_users_next_formId_is_sent()
    {
        await using var h = await CampaignHarness.StartAsync(DatabaseProvider.Sqlite);
        var account = await h.AccountAsync();
        var template = await h.TemplateAsync(account);
        var user = CampaignHarness.NewOpenId();
        var ids = h.Sim.MintFormIds(account.AppId, user, 2);
        await h.ReportAsync(account, user, new ReportedCredential(ids[0], ClientExpiry: h.Clock.GetUtcNow().AddDays(1)), new ReportedCredential(ids[1]));
        // Someone spent the earlier one outside the console.
        var client = h.Services.GetRequiredService<IWeChatClientFactory>().For(account);
        Assert.True((await client.SendMiniProgramTemplateAsync(new MiniProgramTemplateMessage(user, template.WeChatTemplateId, ids[0],
            new Dictionary<string, TemplateValue> { ["keyword1"] = new("x"), ["keyword2"] = new("y"), ["keyword3"] = new("z") }))).Succeeded);
        var campaign = await h.CampaignAsync(account, template, AudienceKind.UploadedList, [user]);

        var (run, execution) = await h.SendAsync(campaign);

        CampaignHarness.AssertCompleted(execution);
        Assert.Equal(DeliveryStatus.Sent, (await h.DeliveriesAsync(run.Id))[user].Status);
        // One message from outside the console with the first formId, one from the campaign with the second.
        Assert.Equal(ids.Order(StringComparer.Ordinal), h.Sim.GetInbox(account.AppId, user).Select(m => m.FormId!).Order(StringComparer.Ordinal));
        Assert.Equal(CredentialStatus.Used, (await h.CredentialsOfAsync(account, user)).Single(c => c.Value == ids[0]).Status);
    }

    [Fact]
    public async Task Refused_formIds_are_tried_a_bounded_number_of_times_before_the_row_fails_with_the_errcode()
    {
        await using var h = await CampaignHarness.StartAsync(DatabaseProvider.Sqlite, new Dictionary<string, string?> { ["Sending:MaxCredentialTries"] = "3" });
        var account = await h.AccountAsync();
        var template = await h.TemplateAsync(account);
        var user = CampaignHarness.NewOpenId();
        h.Sim.MintLoginCode(account.AppId, user); // a user of the mini program (logged in), whose formIds WeChat does not know
        await h.ReportAsync(account, user, Enumerable.Range(1, 4)
            .Select(i => new ReportedCredential($"bogus-formid-{i}", ClientExpiry: h.Clock.GetUtcNow().AddHours(i))).ToArray());
        var campaign = await h.CampaignAsync(account, template, AudienceKind.UploadedList, [user]);

        var (run, execution) = await h.SendAsync(campaign);

        CampaignHarness.AssertCompleted(execution);
        var row = (await h.DeliveriesAsync(run.Id))[user];
        Assert.Equal((DeliveryStatus.Failed, 41028), (row.Status, row.ErrCode));
        var credentials = await h.CredentialsOfAsync(account, user);
        Assert.Equal(3, credentials.Count(c => c.Status == CredentialStatus.Invalid));
        Assert.Equal("bogus-formid-4", credentials.Single(c => c.Status == CredentialStatus.Available).Value);
        Assert.Equal(0, h.InboxCount(account, user));
    }

    [Fact]
    public async Task A_missing_subscribe_grant_43101_fails_the_row_and_drops_the_users_grants_of_the_template()
    {
        await using var h = await CampaignHarness.StartAsync(DatabaseProvider.Sqlite);
        var account = await h.AccountAsync();
        var template = await h.TemplateAsync(account, TemplateKind.Subscribe);
        var granted = CampaignHarness.NewOpenId();
        var withdrawn = CampaignHarness.NewOpenId();
        h.Sim.Grant(account.AppId, granted, template.WeChatTemplateId);
        await h.Pool.AddGrantsAsync(account.Id, granted, [template.Id]);
        // The pool believes in two grants WeChat no longer has (the user switched notifications off).
        await h.Pool.AddGrantsAsync(account.Id, withdrawn, [template.Id, template.Id]);
        var campaign = await h.CampaignAsync(account, template, AudienceKind.UsableCredential);

        var (run, execution) = await h.SendAsync(campaign);

        CampaignHarness.AssertCompleted(execution);
        var rows = await h.DeliveriesAsync(run.Id);
        Assert.Equal(DeliveryStatus.Sent, rows[granted].Status);
        Assert.Equal((DeliveryStatus.Failed, 43101), (rows[withdrawn].Status, rows[withdrawn].ErrCode));
        Assert.All(await h.CredentialsOfAsync(account, withdrawn), c => Assert.Equal(CredentialStatus.Invalid, c.Status));
        Assert.Equal(1, h.InboxCount(account, granted));
    }

    [Fact]
    public async Task Transient_failures_are_retried_with_backoff_and_the_message_goes_out_once()
    {
        await using var h = await CampaignHarness.StartAsync(DatabaseProvider.Sqlite);
        var account = await h.AccountAsync();
        var template = await h.TemplateAsync(account);
        var users = await h.UsersWithFormIdsAsync(account, 3);
        h.Sim.AddFault(new FaultSpec { AppId = account.AppId, Api = "wxopen_template_send", Errcode = -1, Count = 5 });
        var campaign = await h.CampaignAsync(account, template, AudienceKind.UsableCredential);

        var (run, execution) = await h.SendAsync(campaign);

        CampaignHarness.AssertCompleted(execution);
        Assert.All((await h.DeliveriesAsync(run.Id)).Values, r => Assert.Equal(DeliveryStatus.Sent, r.Status));
        Assert.All(users, u => Assert.Equal(1, h.InboxCount(account, u)));
    }

    [Fact]
    public async Task A_failure_that_stays_transient_fails_the_row_with_its_errcode_after_bounded_attempts_and_gives_the_formId_back()
    {
        await using var h = await CampaignHarness.StartAsync(DatabaseProvider.Sqlite, new Dictionary<string, string?>
        {
            ["Sending:MaxAttempts"] = "2", ["WeChat:MaxRetries"] = "1",
        });
        var account = await h.AccountAsync();
        var template = await h.TemplateAsync(account);
        var user = (await h.UsersWithFormIdsAsync(account, 1))[0];
        h.Sim.AddFault(new FaultSpec { AppId = account.AppId, Api = "wxopen_template_send", Errcode = -1 });
        var campaign = await h.CampaignAsync(account, template, AudienceKind.UsableCredential);

        var (run, execution) = await h.SendAsync(campaign);

        CampaignHarness.AssertCompleted(execution);
        var row = (await h.DeliveriesAsync(run.Id))[user];
        Assert.Equal((DeliveryStatus.Failed, -1, 2), (row.Status, row.ErrCode, row.Attempts));
        Assert.Equal(CredentialStatus.Available, Assert.Single(await h.CredentialsOfAsync(account, user)).Status);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task The_daily_quota_45009_holds_the_run_until_the_accounts_next_midnight_and_says_so(DatabaseProvider provider)
    {
        await using var h = await CampaignHarness.StartAsync(provider);
        var account = await h.AccountAsync(ratePerSecond: 50);
        var template = await h.TemplateAsync(account);
        var users = await h.UsersWithFormIdsAsync(account, 8);
        var quota = h.Sim.AddFault(new FaultSpec { AppId = account.AppId, Api = "wxopen_template_send", DailyQuota = 3 });
        var campaign = await h.CampaignAsync(account, template, AudienceKind.UsableCredential);

        var (run, execution) = await h.SendAsync(campaign);

        var held = await h.RunAsync(run.Id);
        Assert.Equal(RunStatus.Held, held.Status);
        // 2026-11-21 00:00 in Shanghai.
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 16, 0, 0, TimeSpan.Zero), held.HeldUntil);
        Assert.Equal(held.HeldUntil, execution.WakeAt);
        Assert.Contains("45009", held.StatusReason);
        Assert.Contains("2026-11-21 00:00", held.StatusReason);
        var counts = await h.Ledger.CountAsync(run.Id);
        Assert.Equal((3, 5, 0), (counts.Sent, counts.Pending, counts.Failed));

        // Too early: still held, nothing sent.
        Assert.Equal(RunStatus.Held, (await h.ExecuteAsync(run)).Status);
        h.Clock.AdjustTime(held.HeldUntil!.Value.AddMinutes(1));
        h.Sim.RemoveFault(quota.Id);
        var resumed = await h.ExecuteAsync(run);

        CampaignHarness.AssertCompleted(resumed);
        Assert.All(users, u => Assert.Equal(1, h.InboxCount(account, u)));
    }

    [Fact]
    public async Task The_per_minute_limit_45011_pauses_the_account_briefly_and_the_run_completes_on_its_own()
    {
        await using var h = await CampaignHarness.StartAsync(DatabaseProvider.Sqlite, new Dictionary<string, string?>
        {
            ["Sending:MinuteLimitBackoff"] = "00:00:00.100",
        });
        var account = await h.AccountAsync(ratePerSecond: 20);
        var template = await h.TemplateAsync(account);
        var users = await h.UsersWithFormIdsAsync(account, 4);
        h.Sim.AddFault(new FaultSpec { AppId = account.AppId, Api = "wxopen_template_send", Errcode = 45011, Count = 1 });
        var campaign = await h.CampaignAsync(account, template, AudienceKind.UsableCredential);
        var pauses = h.Services.GetRequiredService<AccountPauses>();

        var run = await h.FireAsync(campaign);
        var execution = h.ExecuteAsync(run);
        // The console's clock stands still in tests: once the pause is set, move past it.
        while (pauses.Remaining(account.Id) == TimeSpan.Zero && !execution.IsCompleted)
        {
            await Task.Delay(10);
        }
        h.Clock.Advance(TimeSpan.FromMilliseconds(100));

        CampaignHarness.AssertCompleted(await execution);
        Assert.Equal(RunStatus.Completed, (await h.RunAsync(run.Id)).Status);
        Assert.Null((await h.RunAsync(run.Id)).HeldUntil);
        Assert.All(users, u => Assert.Equal(1, h.InboxCount(account, u)));
    }

    [Fact]
    public async Task A_refused_account_fails_the_run_without_failing_its_rows_and_a_resume_after_the_fix_sends_them()
    {
        await using var h = await CampaignHarness.StartAsync(DatabaseProvider.Sqlite);
        var account = await h.AccountAsync(secret: "not-the-secret-wechat-knows");
        var template = await h.TemplateAsync(account);
        var users = await h.UsersWithFormIdsAsync(account, 3);
        var campaign = await h.CampaignAsync(account, template, AudienceKind.UsableCredential);

        var (run, execution) = await h.SendAsync(campaign);

        Assert.Equal(RunStatus.Failed, execution.Status);
        Assert.Contains("fix the account", ServiceText.Show((await h.RunAsync(run.Id)).StatusReason));
        Assert.Equal(3, (await h.Ledger.CountAsync(run.Id)).Pending);

        await using (var db = await h.Contexts.CreateDbContextAsync())
        {
            var stored = await db.Accounts.FindAsync(account.Id);
            stored!.SecretCipher = h.Services.GetRequiredService<PushConsole.Accounts.AccountSecretProtector>().Protect(CampaignHarness.Secret);
            await db.SaveChangesAsync();
        }
        // The client remembers a refused token fetch for a few seconds, so thousands of sends do not all ask again.
        h.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.True((await h.Control.ResumeAsync(run.Id)).Succeeded);
        CampaignHarness.AssertCompleted(await h.ExecuteAsync(run));
        Assert.All(users, u => Assert.Equal(1, h.InboxCount(account, u)));
    }

    [Fact]
    public async Task A_retired_api_45103_fails_the_run_and_leaves_its_messages_unsent_for_a_resume()
    {
        await using var h = await CampaignHarness.StartAsync(DatabaseProvider.Sqlite);
        var account = await h.AccountAsync(ratePerSecond: 1);
        var template = await h.TemplateAsync(account);
        await h.UsersWithFormIdsAsync(account, 5);
        h.Sim.Retired = true;
        var campaign = await h.CampaignAsync(account, template, AudienceKind.UsableCredential);

        var (run, execution) = await h.SendAsync(campaign);

        Assert.Equal(RunStatus.Failed, execution.Status);
        Assert.Contains("45103", (await h.RunAsync(run.Id)).StatusReason);
        var rows = (await h.DeliveriesAsync(run.Id)).Values.ToList();
        // The one error policy: an answer that every message of the run would get fails the run, not the recipient.
        Assert.Contains(rows, r => r.Status == DeliveryStatus.Pending && r.ErrCode == 45103);
        Assert.DoesNotContain(rows, r => r.Status == DeliveryStatus.Failed);
    }
}
