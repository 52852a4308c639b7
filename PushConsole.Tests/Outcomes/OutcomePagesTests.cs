using System.Net;
using System.Net.Http.Json;
using Bunit;
using Bunit.Rendering;
using Microsoft.EntityFrameworkCore;
using PushConsole.Credentials;
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

        // WeChat's own errmsg is there, in a tooltip saying it is WeChat's; the meaning is the cell's text.
        Assert.Contains(cut.FindAll("#deliveries-grid span[title]"), s => s.GetAttribute("title") == "WeChat's own message: require subscribe");

        cut.Find("#filter-openid").Input("oSIM57C3035AB12CD34EF56_follower");
        cut.WaitForAssertion(() => Assert.DoesNotContain("_stranger", cut.Find("#deliveries-grid").TextContent));
        Assert.Contains("_follower", cut.Find("#deliveries-grid").TextContent);
    }

    [Fact]
    public async Task The_deliveries_CSV_gives_the_errcodes_meaning_in_the_readers_language_before_WeChats_own_errmsg()
    {
        var run = await FinishedRunAsync("wxoutcome05");
        using var api = Host.CreateHttpClient(ConsoleHost.AdminApiToken);

        async Task<string[]> RowAsync(string? language)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/runs/{run.Id}/deliveries.csv");
            if (language is not null)
            {
                request.Headers.AcceptLanguage.ParseAdd(language);
            }
            var lines = (await (await api.SendAsync(request)).Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var header = lines[0].Trim().Split(',');
            var row = lines.Single(l => l.Contains("_stranger")).Trim().Split(',');
            return [row[Array.IndexOf(header, "errcode")], row[Array.IndexOf(header, "errcode_meaning")], row[Array.IndexOf(header, "wechat_errmsg")],
                Array.IndexOf(header, "errcode_meaning") < Array.IndexOf(header, "wechat_errmsg") ? "meaning first" : "errmsg first"];
        }

        Assert.Equal(["43004", "接收者未关注公众号", "require subscribe", "meaning first"], await RowAsync("zh-CN"));
        Assert.Equal(["43004", "Recipient does not follow the official account", "require subscribe", "meaning first"], await RowAsync(null));

        // The API's top errcodes say the meaning in the caller's language too.
        using var errors = new HttpRequestMessage(HttpMethod.Get, $"api/v1/outcomes/errors?runId={run.Id}");
        errors.Headers.AcceptLanguage.ParseAdd("zh-CN");
        var top = await (await api.SendAsync(errors)).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Equal((43004, "接收者未关注公众号"), (top[0].GetProperty("errCode").GetInt32(), top[0].GetProperty("meaning").GetString()));
    }

    [Fact]
    public async Task Outcomes_show_every_day_of_the_period_and_the_top_errcodes_with_their_meaning_in_Chinese()
    {
        UseCulture(ConsoleCultures.Chinese);
        await FinishedRunAsync("wxoutcome02");

        var cut = RenderWithProviders<OutcomesPage>();

        cut.WaitForAssertion(() => Assert.Contains("接收者未关注公众号", cut.Find("#top-errors").TextContent));
        Assert.Equal("14", cut.Find("#daily-chart").GetAttribute("data-days"));
        cut.WaitForAssertion(() => Assert.Contains("Run of wxoutcome02", cut.Find("#runs-grid").TextContent));
        Assert.Contains("(Asia/Shanghai)", cut.Find("#runs-grid").TextContent);
        Assert.Empty(Texts.Missing);
    }

    // As the links of the run page open it: account and openid in the address.
    private IRenderedComponent<ContainerFragment> LookUp(int accountId, string openId)
    {
        Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().NavigateTo($"lookup?accountId={accountId}&openid={openId}");
        return RenderWithProviders<RecipientLookupPage>();
    }

    [Fact]
    public async Task Looking_up_a_user_shows_their_credentials_and_every_message_with_what_its_errcode_means()
    {
        var run = await FinishedRunAsync("wxlookup01");
        await Service<CredentialIntake>().ReportAsync(run.AccountId, "oSIM57C3035AB12CD34EF56_stranger", [new ReportedCredential("lookup-formid-1")]);

        var cut = LookUp(run.AccountId, "oSIM57C3035AB12CD34EF56_stranger");

        cut.WaitForAssertion(() => Assert.Contains("Run of wxlookup01", cut.Find("#lookup-messages").TextContent));
        var message = cut.Find("#lookup-messages tbody tr").TextContent;
        Assert.Contains("Failed", message);
        Assert.Contains("43004", message);
        Assert.Contains("Recipient does not follow the official account", message);
        Assert.Contains("(Asia/Shanghai)", message);
        var credential = cut.Find("#lookup-credentials tbody tr").TextContent;
        Assert.Contains("formId", credential);
        Assert.Contains("usable", credential);
        Assert.Contains("Last message: Run of wxlookup01 — 43004 (Recipient does not follow the official account)", cut.Find("#lookup-verdict").TextContent);
        Assert.Contains("Usable credentials now: 1", cut.Find("#lookup-verdict").TextContent);
        Assert.Empty(Texts.Missing);
    }

    [Fact]
    public async Task The_lookup_asks_for_an_openid_and_says_when_the_console_has_never_heard_of_it()
    {
        await TestAccounts.CreateMiniProgramAsync(Host.Contexts(), "wxlookup02");
        var cut = RenderWithProviders<RecipientLookupPage>();
        cut.WaitForElement("#lookup-find").Click();
        cut.WaitForAssertion(() => Assert.Contains("openid is required.", cut.Markup));

        cut.Find("#lookup-openid").Input("o-never-seen");
        cut.Find("#lookup-find").Click();

        cut.WaitForAssertion(() => Assert.Contains("The console knows nothing of this openid", cut.Find("#lookup-verdict").TextContent));
        Assert.NotNull(cut.Find("#lookup-no-credentials"));
        Assert.NotNull(cut.Find("#lookup-no-messages"));
        Assert.Contains("openid=o-never-seen", Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().Uri);
    }

    [Fact]
    public async Task Each_recipient_of_a_run_links_to_the_lookup_and_the_lookup_reads_in_Chinese()
    {
        UseCulture(ConsoleCultures.Chinese);
        var run = await FinishedRunAsync("wxlookup03");

        var runPage = RenderWithProviders<RunOutcomesPage>(("Id", run.Id));
        runPage.WaitForAssertion(() => Assert.Contains("_stranger", runPage.Find("#deliveries-grid").TextContent));
        var link = runPage.FindAll("a.lookup-link").Single(a => a.TextContent.EndsWith("_stranger"));
        Assert.Equal($"lookup?accountId={run.AccountId}&openid=oSIM57C3035AB12CD34EF56_stranger", link.GetAttribute("href"));

        var lookup = LookUp(run.AccountId, "oSIM57C3035AB12CD34EF56_stranger");

        lookup.WaitForAssertion(() => Assert.Contains("接收者未关注公众号", lookup.Find("#lookup-messages").TextContent));
        Assert.Contains("凭证池中没有该用户的凭证", lookup.Markup);
        Assert.Empty(Texts.Missing);
    }

    [Fact]
    public async Task The_period_picked_filters_the_charts_the_runs_and_the_CSV()
    {
        var run = await FinishedRunAsync("wxperiod01");
        var cut = RenderWithProviders<OutcomesPage>();
        cut.WaitForAssertion(() => Assert.Contains("Run of wxperiod01", cut.Find("#runs-grid").TextContent));
        Assert.Contains("Recipient does not follow the official account", cut.Find("#top-errors").TextContent);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);

        using (var browser = new FormClient(Host))
        {
            await browser.SignInAsync(ConsoleHost.AdminEmail, ConsoleHost.AdminPassword);
            var href = cut.Find("#period-export").GetAttribute("href")!;
            Assert.Contains("outcomes/deliveries.csv?from=", href);
            var csv = await (await browser.GetAsync(href)).Content.ReadAsStringAsync();
            Assert.StartsWith("run_id,id,openid,status", csv);
            Assert.Contains($"{run.Id},", csv);
            Assert.Contains("oSIM57C3035AB12CD34EF56_stranger,Failed,,43004", csv);

            // A period that ended before the run: no sends on the chart, no errcodes, no run, nothing in the CSV.
            var picker = cut.FindComponent<MudBlazor.MudDateRangePicker>();
            await cut.InvokeAsync(() => picker.Instance.DateRangeChanged.InvokeAsync(
                new MudBlazor.DateRange(today.AddDays(-30).ToDateTime(TimeOnly.MinValue), today.AddDays(-20).ToDateTime(TimeOnly.MinValue))));

            cut.WaitForAssertion(() => Assert.DoesNotContain("Run of wxperiod01", cut.Find("#runs-grid").TextContent));
            Assert.Equal("11", cut.Find("#daily-chart").GetAttribute("data-days"));
            Assert.NotNull(cut.Find("#no-outcomes"));
            Assert.NotNull(cut.Find("#no-errors"));
            var pastHref = cut.Find("#period-export").GetAttribute("href")!;
            Assert.Contains($"from={today.AddDays(-30):yyyy-MM-dd}&to={today.AddDays(-20):yyyy-MM-dd}", pastHref);
            var pastCsv = await (await browser.GetAsync(pastHref)).Content.ReadAsStringAsync();
            Assert.DoesNotContain(run.Id + ",", pastCsv.Split('\n').Skip(1).Select(l => l.Split(',')[0] + ","));
            Assert.Equal(HttpStatusCode.BadRequest, (await browser.GetAsync("outcomes/deliveries.csv?from=2026-12-06&to=2026-12-01")).StatusCode);
        }
    }

    [Fact]
    public async Task The_runs_are_searched_by_name_in_any_case_and_a_search_without_match_says_so()
    {
        await FinishedRunAsync("wxsearch01");
        await FinishedRunAsync("wxsearch02");
        var cut = RenderWithProviders<OutcomesPage>();
        cut.WaitForAssertion(() => Assert.Contains("Run of wxsearch02", cut.Find("#runs-grid").TextContent));

        cut.Find("#runs-search").Input("RUN OF WXSEARCH01");

        cut.WaitForAssertion(() =>
        {
            Assert.Contains("Run of wxsearch01", cut.Find("#runs-grid").TextContent);
            Assert.DoesNotContain("Run of wxsearch02", cut.Find("#runs-grid").TextContent);
        });
        cut.Find("#runs-search").Input("no run is called this");
        cut.WaitForElement("#runs-no-match");
    }
}
