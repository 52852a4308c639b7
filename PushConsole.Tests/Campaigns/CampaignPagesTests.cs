using System.Reflection;
using Bunit;
using Bunit.Rendering;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using PushConsole.Campaigns;
using PushConsole.Ledger;
using PushConsole.Outcomes;
using PushConsole.Shell;
using PushConsole.Tests.Infrastructure;
using PushConsole.Users;

namespace PushConsole.Tests.Campaigns;

/// <summary>The campaign list, editor, detail and run progress over the real campaign services (no WeChat call is made).</summary>
public sealed class CampaignPagesTests(UiHost ui) : ConsoleUiTest(ui), IClassFixture<UiHost>
{
    private async Task<(PushConsole.Accounts.WeChatAccount Account, PushConsole.Templates.MessageTemplate Template)> AccountWithTemplateAsync(string appId)
    {
        var account = await TestAccounts.CreateMiniProgramAsync(Host.Contexts(), appId);
        var template = await TestAccounts.CreateSubscribeTemplateAsync(Host.Contexts(), account.Id, $"tpl-{appId}");
        return (account, template);
    }

    /// <summary>A run of a new account's campaign template with pending rows for <paramref name="recipients"/>.</summary>
    private async Task<DeliveryRun> RunAsync(string appId, RunStatus status, params string[] recipients)
    {
        var (account, template) = await AccountWithTemplateAsync(appId);
        var run = await Service<DeliveryLedger>().OpenRunAsync(new DeliveryRun
        {
            Kind = RunKind.Campaign, FireKey = $"ui-{appId}", Name = $"Run of {appId}", AccountId = account.Id, TemplateId = template.Id,
            Status = status, StartedAt = DateTimeOffset.UtcNow,
        });
        await Service<DeliveryLedger>().AddRecipientsAsync(run, recipients, DateOnly.FromDateTime(DateTime.UtcNow));
        return run;
    }

    [Fact]
    public void Editors_may_use_every_campaign_page()
    {
        foreach (var page in new[] { typeof(CampaignsPage), typeof(CampaignPage), typeof(CampaignEditPage), typeof(OutcomesPage), typeof(RunOutcomesPage) })
        {
            Assert.Equal(Policies.Editor, page.GetCustomAttribute<AuthorizeAttribute>()!.Policy);
        }
    }

    [Fact]
    public async Task A_new_campaign_refuses_a_negative_daily_cap_and_a_missing_name_instead_of_changing_them()
    {
        await AccountWithTemplateAsync("wxcampaign01");
        SignInAs(Roles.Editor, "editor@test.local");
        var cut = RenderWithProviders<CampaignEditPage>();
        cut.WaitForElement("#campaign-cap").Input("-3");
        cut.Find("#save-campaign").Click();

        cut.WaitForAssertion(() =>
        {
            Assert.Contains("Name is required.", ValidationMessages(cut));
            Assert.Contains("Messages per user per day is a number from 0 to 100.", ValidationMessages(cut));
        });
        Assert.DoesNotContain(await Service<CampaignService>().ListAsync(), c => c.DailyCapPerUser == 0 && c.Name == "");
        Assert.Equal("-3", cut.Find("#campaign-cap").GetAttribute("value"));
    }

    [Fact]
    public async Task A_campaign_once_at_a_time_is_saved_in_the_accounts_zone_and_shown_with_it()
    {
        var (account, _) = await AccountWithTemplateAsync("wxcampaign02");
        Services.GetRequiredService<AccountSelection>().Select(account.Id);
        var cut = RenderWithProviders<CampaignEditPage>();
        cut.WaitForElement("#campaign-name").Input("Morning note");
        cut.FindAll("label.mud-radio").First(l => l.TextContent.Contains("At a date and time")).QuerySelector("input")!.Click();
        var start = cut.WaitForElement("#campaign-start").GetAttribute("value")!;
        Assert.EndsWith("T09:00", start);
        cut.Find("#save-campaign").Click();

        var navigation = Services.GetRequiredService<NavigationManager>();
        cut.WaitForAssertion(() => Assert.Matches(@"campaigns/\d+$", navigation.Uri));
        var saved = (await Service<CampaignService>().ListAsync()).Single(c => c.Name == "Morning note");
        Assert.Equal(account.Id, saved.AccountId);
        Assert.Equal(TimeSpan.FromHours(8), saved.NextFire!.Value.Offset);
        Assert.Equal(new TimeOnly(9, 0), TimeOnly.FromDateTime(saved.NextFire.Value.DateTime));

        var detail = RenderWithProviders<CampaignPage>(("Id", saved.Id));
        detail.WaitForAssertion(() => Assert.Contains("09:00 (Asia/Shanghai)", detail.Find("#campaign-next").TextContent));
    }

    [Fact]
    public async Task A_daily_campaign_reads_10_00_in_the_accounts_zone_in_the_list_the_detail_and_the_editor()
    {
        var (account, template) = await AccountWithTemplateAsync("wxcampaign21");
        var created = await Service<CampaignService>().CreateAsync(new CampaignInput
        {
            Name = "Daily at ten", AccountId = account.Id, TemplateId = template.Id, Schedule = ScheduleKind.Recurring, Cron = "0 10 * * *",
        }, "test");
        var id = created.Campaign!.Id;

        var list = RenderWithProviders<CampaignsPage>();
        list.WaitForAssertion(() => Assert.Contains("10:00 (Asia/Shanghai)",
            list.FindAll("#campaigns-grid tr").First(r => r.TextContent.Contains("Daily at ten")).QuerySelector(".campaign-next")!.TextContent));
        var detail = RenderWithProviders<CampaignPage>(("Id", id));
        detail.WaitForAssertion(() => Assert.Contains("10:00 (Asia/Shanghai)", detail.Find("#campaign-next").TextContent));
        var editor = RenderWithProviders<CampaignEditPage>(("Id", (int?)id));
        editor.WaitForAssertion(() => Assert.Equal(5,
            System.Text.RegularExpressions.Regex.Matches(editor.Find("#cron-next").TextContent, @"10:00 \(Asia/Shanghai\)").Count));
    }

    [Fact]
    public async Task Typing_a_cron_shows_its_next_five_fire_times_in_the_zone()
    {
        await AccountWithTemplateAsync("wxcampaign03");
        var cut = RenderWithProviders<CampaignEditPage>();
        cut.WaitForElement("#campaign-name");
        cut.FindAll("label.mud-radio").First(l => l.TextContent.Contains("Recurring")).QuerySelector("input")!.Click();
        cut.WaitForElement("#campaign-cron").Input("0 10 * * *");

        cut.WaitForAssertion(() =>
        {
            var next = cut.Find("#cron-next").TextContent;
            Assert.Equal(5, System.Text.RegularExpressions.Regex.Matches(next, @"10:00 \(Asia/Shanghai\)").Count);
        });
        cut.Find("#campaign-cron").Input("not a cron");
        cut.WaitForAssertion(() => Assert.Contains("Not a valid cron expression.", ValidationMessages(cut)));
    }

    [Fact]
    public async Task Run_now_says_how_many_users_will_receive_and_starts_nothing_when_kept()
    {
        var (account, template) = await AccountWithTemplateAsync("wxcampaign04");
        var created = await Service<CampaignService>().CreateAsync(new CampaignInput
        {
            Name = "Weekly digest", AccountId = account.Id, TemplateId = template.Id, Schedule = ScheduleKind.Recurring, Cron = "0 10 * * 1",
        }, "admin@test.local");
        Assert.True(created.Succeeded, string.Join(" ", created.Errors));
        var cut = RenderWithProviders<CampaignPage>(("Id", created.Campaign!.Id));

        cut.WaitForElement("#run-now").Click();
        cut.WaitForAssertion(() => Assert.Contains("About 0 users will receive the message now", cut.Find(".mud-dialog").TextContent));
        ClickButton(cut, "Keep it");

        Assert.Empty(await Service<OutcomeQueries>().RunsAsync(campaignId: created.Campaign.Id));
        Assert.Contains("No runs yet", cut.Find("#no-runs").TextContent);
    }

    [Fact]
    public async Task A_cancelled_run_shows_what_was_not_sent_as_cancelled()
    {
        var run = await RunAsync("wxcampaign05", RunStatus.Canceled, "oA", "oB", "oC");
        await using (var db = await Host.Contexts().CreateDbContextAsync())
        {
            await db.Deliveries.Where(d => d.RunId == run.Id && d.Recipient != "oA")
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Skipped).SetProperty(d => d.SkipReason, SkipReason.Canceled));
            await db.Deliveries.Where(d => d.RunId == run.Id && d.Recipient == "oA")
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Sent));
        }

        var cut = RenderWithProviders<RunProgress>(("RunId", run.Id));

        cut.WaitForAssertion(() => Assert.Equal("Cancelled after 1 of 3", cut.Find(".run-progress-text").TextContent.Trim()));
        Assert.Contains("not sent (cancelled or skipped)", cut.Find(".run-legend").TextContent);
        Assert.Empty(cut.FindAll($"#cancel-run-{run.Id}"));
    }

    [Fact]
    public async Task Cancelling_a_running_run_names_the_users_not_reached()
    {
        var run = await RunAsync("wxcampaign06", RunStatus.Paused, "oA", "oB");
        var cut = RenderWithProviders<RunProgress>(("RunId", run.Id));

        cut.WaitForElement($"#cancel-run-{run.Id}").Click();
        cut.WaitForAssertion(() => Assert.Contains("The 2 users not reached yet get nothing", cut.Find(".mud-dialog").TextContent));
        ClickButton(cut, "Cancel run");

        cut.WaitForAssertion(() => Assert.Equal(RunStatus.Canceled, Service<OutcomeQueries>().RunAsync(run.Id).Result!.Status));
    }

    [Fact]
    public async Task The_campaign_pages_render_in_Chinese_without_a_missing_text()
    {
        UseCulture(ConsoleCultures.Chinese);
        await AccountWithTemplateAsync("wxcampaign07");

        var list = RenderWithProviders<CampaignsPage>();
        list.WaitForAssertion(() => Assert.Contains("新建推送活动", list.Markup));
        var editor = RenderWithProviders<CampaignEditPage>();
        editor.WaitForAssertion(() => Assert.Contains("试运行", editor.Markup));
        Assert.Empty(Texts.Missing);
    }
}
