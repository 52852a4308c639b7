using Bunit;
using Bunit.Rendering;
using Microsoft.EntityFrameworkCore;
using PushConsole.Ledger;
using PushConsole.Outcomes;
using PushConsole.Shell;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.OutcomeTests;

/// <summary>Outcomes over ledger rows written as a finished run leaves them.</summary>
public sealed class OutcomePagesTests(UiHost ui) : ConsoleUiTest(ui), IClassFixture<UiHost>
{
    private async Task<DeliveryRun> FinishedRunAsync(string appId)
    {
        var account = await TestAccounts.CreateMiniProgramAsync(Host.Contexts(), appId);
        var template = await TestAccounts.CreateSubscribeTemplateAsync(Host.Contexts(), account.Id, $"tpl-{appId}");
        var ledger = Service<DeliveryLedger>();
        var run = await ledger.OpenRunAsync(new DeliveryRun
        {
            Kind = RunKind.Campaign, FireKey = $"ui-{appId}", Name = $"Run of {appId}", AccountId = account.Id, TemplateId = template.Id,
            Status = RunStatus.Completed, StartedAt = DateTimeOffset.UtcNow.AddMinutes(-3), FinishedAt = DateTimeOffset.UtcNow,
        });
        await ledger.AddRecipientsAsync(run, ["oSIM57C3035AB12CD34EF56_follower", "oSIM57C3035AB12CD34EF56_stranger"], DateOnly.FromDateTime(DateTime.UtcNow));
        await using var db = await Host.Contexts().CreateDbContextAsync();
        await db.Deliveries.Where(d => d.RunId == run.Id && d.Recipient.EndsWith("follower"))
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Sent).SetProperty(d => d.FinishedAt, DateTimeOffset.UtcNow));
        await db.Deliveries.Where(d => d.RunId == run.Id && d.Recipient.EndsWith("stranger"))
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Failed).SetProperty(d => d.ErrCode, 43004)
                .SetProperty(d => d.ErrMsg, "require subscribe").SetProperty(d => d.FinishedAt, DateTimeOffset.UtcNow));
        return run;
    }

    [Fact]
    public async Task A_runs_sends_show_whole_openids_their_sent_time_in_the_zone_and_what_errcodes_mean()
    {
        var run = await FinishedRunAsync("wxoutcome01");

        var cut = RenderWithProviders<RunOutcomesPage>(("Id", run.Id));

        cut.WaitForAssertion(() => Assert.Contains("oSIM57C3035AB12CD34EF56_stranger", cut.Find("#deliveries-grid").TextContent));
        var grid = cut.Find("#deliveries-grid").TextContent;
        Assert.Contains("Recipient does not follow the official account", grid);
        Assert.Contains("(Asia/Shanghai)", grid);
        Assert.Contains("Recipient does not follow the official account", cut.Find(".top-error").TextContent);

        cut.Find("#filter-openid").Input("oSIM57C3035AB12CD34EF56_follower");
        cut.WaitForAssertion(() => Assert.DoesNotContain("_stranger", cut.Find("#deliveries-grid").TextContent));
        Assert.Contains("_follower", cut.Find("#deliveries-grid").TextContent);
    }

    [Fact]
    public async Task Outcomes_show_every_day_of_the_period_and_the_top_errcodes_with_their_meaning_in_Chinese()
    {
        UseCulture(ConsoleCultures.Chinese);
        await FinishedRunAsync("wxoutcome02");

        var cut = RenderWithProviders<OutcomesPage>();

        cut.WaitForAssertion(() => Assert.Contains("接收者未关注公众号", cut.Find("#top-errors").TextContent));
        Assert.Equal("15", cut.Find("#daily-chart").GetAttribute("data-days"));
        cut.WaitForAssertion(() => Assert.Contains("Run of wxoutcome02", cut.Find("#runs-grid").TextContent));
        Assert.Contains("(Asia/Shanghai)", cut.Find("#runs-grid").TextContent);
        Assert.Empty(Texts.Missing);
    }
}
