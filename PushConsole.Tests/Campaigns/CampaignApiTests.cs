using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PushConsole.Accounts;
using PushConsole.Campaigns;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;
using PushConsole.Users;
using TemplateKind = PushConsole.Templates.TemplateKind;

namespace PushConsole.Tests.Campaigns;

/// <summary>The campaign, run and outcome API under /api/v1, with its role rules, on the running console (Quartz included).</summary>
public class CampaignApiTests
{
    [Fact]
    public async Task The_seeds_daily_reminder_runs_end_to_end_through_quartz_once_per_user_per_day_with_the_earliest_expiring_formId()
    {
        await using var world = await ConsoleWorld.StartAsync();
        var account = await world.AccountAsync();
        var template = await world.TemplateAsync(account);
        var users = await world.UsersWithFormIdsAsync(account, 5, formIds: 2);
        var active = users.Keys.Take(2).ToList();
        foreach (var user in active)
        {
            await world.CheckInAsync(account, user);
        }
        using var api = world.Api();

        var created = await api.PostAsJsonAsync("api/v1/campaigns", new
        {
            name = "Daily reminder", accountId = account.Id, templateId = template.Id, audience = "NotActiveToday",
            schedule = "Recurring", cron = "0 10 * * *", timeZone = "Asia/Shanghai", dailyCapPerUser = 1,
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var campaign = (await created.Content.ReadFromJsonAsync<JsonElement>())!;
        var id = campaign.GetProperty("id").GetInt32();
        Assert.Equal("0 0 10 * * ?", campaign.GetProperty("cron").GetString());
        // The next fire is 10:00 in Shanghai, i.e. 02:00 UTC.
        var next = campaign.GetProperty("nextFire").GetDateTimeOffset();
        Assert.Equal((2, 0, 0), (next.UtcDateTime.Hour, next.UtcDateTime.Minute, next.UtcDateTime.Second));

        // Fired twice the same day (the schedule and a manual run): the second is capped.
        Assert.Equal(HttpStatusCode.Accepted, (await api.PostAsync($"api/v1/campaigns/{id}/runs", null)).StatusCode);
        var first = await world.WaitForRunsAsync(id);
        Assert.Equal(HttpStatusCode.Accepted, (await api.PostAsync($"api/v1/campaigns/{id}/runs", null)).StatusCode);
        var second = await world.WaitForRunsAsync(id, 2);

        foreach (var (user, formIds) in users)
        {
            var inbox = world.Sim.GetInbox(account.AppId, user);
            if (active.Contains(user))
            {
                Assert.Empty(inbox);
            }
            else
            {
                Assert.Equal(formIds[0], Assert.Single(inbox).FormId);
            }
        }
        var firstRun = await api.GetFromJsonAsync<JsonElement>($"api/v1/runs/{first}");
        Assert.Equal(3, firstRun.GetProperty("counts").GetProperty("sent").GetInt32());
        var secondRun = await api.GetFromJsonAsync<JsonElement>($"api/v1/runs/{second}");
        Assert.Equal(3, secondRun.GetProperty("counts").GetProperty("skipped").GetInt32());
        Assert.Equal("Completed", secondRun.GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_editor_creates_dry_runs_sends_and_reads_the_outcomes_of_a_campaign_while_anonymous_callers_are_refused()
    {
        await using var world = await ConsoleWorld.StartAsync();
        var account = await world.AccountAsync(AccountKind.OfficialAccount);
        var template = await world.TemplateAsync(account, TemplateKind.OfficialAccountTemplate);
        var followers = Enumerable.Range(0, 4).Select(_ => CampaignHarness.NewOpenId()).ToList();
        world.Sim.AddFollowers(account.AppId, followers);
        world.Sim.RemoveFollower(account.AppId, followers[3]);
        var editor = await TestUsers.CreateWithTokenAsync(world.Host, "editor@test.local", Roles.Editor);
        using var api = world.Api(editor);
        using var anonymous = world.Host.CreateHttpClient();
        var input = new { name = "Launch", accountId = account.Id, templateId = template.Id, audience = "UploadedList", recipients = followers, schedule = "Now" };

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("api/v1/campaigns")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("api/v1/campaigns", input)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.DeleteAsync($"api/v1/accounts/{account.Id}")).StatusCode);

        var dryRun = await api.PostAsJsonAsync("api/v1/campaigns/dry-run", input);
        var figures = await dryRun.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, dryRun.StatusCode);
        Assert.Equal((4, 4, 0, 4), (figures.GetProperty("audienceSize").GetInt32(), figures.GetProperty("withUsableCredential").GetInt32(),
            figures.GetProperty("cappedToday").GetInt32(), figures.GetProperty("expectedSends").GetInt32()));

        var created = await api.PostAsJsonAsync("api/v1/campaigns", input);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        var runId = await world.WaitForRunsAsync(id);

        var run = await api.GetFromJsonAsync<JsonElement>($"api/v1/runs/{runId}");
        Assert.Equal((3, 1), (run.GetProperty("counts").GetProperty("sent").GetInt32(), run.GetProperty("counts").GetProperty("failed").GetInt32()));
        var failed = await api.GetFromJsonAsync<JsonElement>($"api/v1/runs/{runId}/deliveries?status=Failed&errcode=43004");
        Assert.Equal(1, failed.GetProperty("total").GetInt32());
        Assert.Equal(followers[3], failed.GetProperty("rows")[0].GetProperty("recipient").GetString());
        var page = await api.GetFromJsonAsync<JsonElement>($"api/v1/runs/{runId}/deliveries?skip=1&take=2");
        Assert.Equal((4, 2), (page.GetProperty("total").GetInt32(), page.GetProperty("rows").GetArrayLength()));
        var csv = await api.GetStringAsync($"api/v1/runs/{runId}/deliveries.csv");
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("id,openid,status", lines[0]);
        Assert.Equal(5, lines.Length);
        Assert.Contains(lines, l => l.Contains(followers[3]) && l.Contains("43004") && l.Contains("does not follow"));
        var errors = await api.GetFromJsonAsync<JsonElement>("api/v1/outcomes/errors?days=7");
        Assert.Contains(errors.EnumerateArray(), e => e.GetProperty("errCode").GetInt32() == 43004 && e.GetProperty("count").GetInt32() == 1);
        var daily = await api.GetFromJsonAsync<JsonElement>("api/v1/outcomes/daily?days=7");
        Assert.Contains(daily.EnumerateArray(), d => d.GetProperty("category").GetString() == "Sent" && d.GetProperty("count").GetInt32() == 3);

        var pause = await api.PostAsync($"api/v1/runs/{runId}/pause", null);
        Assert.Equal(HttpStatusCode.Conflict, pause.StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"api/v1/campaigns/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"api/v1/campaigns/{id}")).StatusCode);
        // The outcomes outlive the campaign.
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"api/v1/runs/{runId}")).StatusCode);
    }

    [Fact]
    public async Task The_deliveries_CSV_neutralises_cells_a_spreadsheet_would_run_as_formulas()
    {
        await using var world = await ConsoleWorld.StartAsync();
        var account = await world.AccountAsync(AccountKind.OfficialAccount);
        var template = await world.TemplateAsync(account, TemplateKind.OfficialAccountTemplate);
        // Openids come from uploaded lists; "-" may start one, and a spreadsheet reads "-cmd-1" as a formula.
        string[] recipients = ["-cmd-1", "plain_openid"];
        using var api = world.Api();
        var created = await api.PostAsJsonAsync("api/v1/campaigns", new
        {
            name = "Formula", accountId = account.Id, templateId = template.Id, audience = "UploadedList", recipients, schedule = "Now",
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var runId = await world.WaitForRunsAsync((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32());

        var csv = await api.GetStringAsync($"api/v1/runs/{runId}/deliveries.csv");

        Assert.Contains(",'-cmd-1,", csv);
        Assert.DoesNotContain(",-cmd-1,", csv);
        Assert.Contains(",plain_openid,", csv);
    }

    [Theory]
    [InlineData("=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")")]
    [InlineData("+1+cmd", "'+1+cmd")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tx", "'\tx")]
    [InlineData("\rx", "'\rx")]
    [InlineData("-1", "-1")]
    [InlineData("oAbc-1", "oAbc-1")]
    public void A_CSV_cell_is_neutralised_when_it_starts_like_a_formula(string cell, string written) =>
        Assert.Equal(written, PushConsole.Outcomes.CsvCells.Safe(cell));

    [Fact]
    public async Task Invalid_campaigns_are_refused_with_every_problem_named()
    {
        await using var world = await ConsoleWorld.StartAsync();
        var account = await world.AccountAsync();
        var template = await world.TemplateAsync(account);
        using var api = world.Api();

        var response = await api.PostAsJsonAsync("api/v1/campaigns", new
        {
            name = "", accountId = account.Id, templateId = template.Id, audience = "UploadedList", recipients = new[] { "not an openid!" },
            schedule = "Recurring", cron = "every day at ten", dailyCapPerUser = -1,
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var errors = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Contains(errors, e => e.Contains("name"));
        Assert.Contains(errors, e => e.Contains("not an openid"));
        Assert.Contains(errors, e => e.Contains("cron expression is not valid"));
        Assert.Contains(errors, e => e.Contains("daily cap"));
    }

    [Fact]
    public async Task A_csv_upload_replaces_the_audience_of_a_campaign()
    {
        await using var world = await ConsoleWorld.StartAsync();
        var account = await world.AccountAsync(AccountKind.OfficialAccount);
        var template = await world.TemplateAsync(account, TemplateKind.OfficialAccountTemplate);
        using var api = world.Api();
        var created = await api.PostAsJsonAsync("api/v1/campaigns", new
        {
            name = "List", accountId = account.Id, templateId = template.Id, audience = "UploadedList", recipients = new[] { "oFirst" },
            schedule = "Once", startAt = DateTimeOffset.UtcNow.AddDays(1),
        });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();

        var upload = await api.PutAsync($"api/v1/campaigns/{id}/recipients",
            new StringContent("nickname,OpenID\nAnn,oAnn_1\nBob,oBob_2\n\nAnn,oAnn_1\n", System.Text.Encoding.UTF8, "text/csv"));

        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        Assert.Equal(2, (await upload.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("uploadedCount").GetInt32());
        Assert.Equal(["oAnn_1", "oBob_2"], (await api.GetFromJsonAsync<string[]>($"api/v1/campaigns/{id}/recipients"))!);
    }
}
