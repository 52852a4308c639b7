using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using Bunit;
using Microsoft.AspNetCore.Authorization;
using MudBlazor;
using PushConsole.Accounts;
using PushConsole.Audit;
using PushConsole.Shell;
using PushConsole.Tests.Infrastructure;
using PushConsole.Users;

namespace PushConsole.Tests.Audit;

/// <summary>The audit log: changes made through the services are recorded with who made them, and admins page through them.</summary>
public sealed class AuditPageTests(UiHost ui) : ConsoleUiTest(ui), IClassFixture<UiHost>
{
    [Fact]
    public void Only_admins_may_read_the_audit_log() =>
        AssertOnlyAdmins<AuditPage>();

    [Fact]
    public async Task Changes_made_on_the_console_pages_are_listed_with_who_made_them_newest_first()
    {
        var userId = await TestUsers.CreateAsync(Host, "audited@test.local", Roles.Editor);
        using (AuditActor.Use("boss@test.local"))
        {
            var cut = RenderWithProviders<UsersPage>();
            cut.WaitForAssertion(() => Assert.Contains("audited@test.local", cut.Find("#users-grid").TextContent));
            ClickInRow(cut, "#users-grid", "audited@test.local", "Lock");
            cut.WaitForElement(".mud-dialog");
            ClickButton(cut, "Lock");
            cut.WaitForAssertion(() => Assert.Contains("audited@test.local locked.", cut.Markup));
        }

        var audit = RenderWithProviders<AuditPage>();

        audit.WaitForAssertion(() => Assert.Contains("audited@test.local", audit.Find("#audit-grid").TextContent));
        var rows = audit.FindAll("#audit-grid tbody tr").Where(r => r.TextContent.Contains("audited@test.local")).ToList();
        // Newest first: the lock by boss@, then the creation by the console itself (no one signed in made it here).
        Assert.Contains("boss@test.local", rows[0].TextContent);
        Assert.Contains("Locked", rows[0].TextContent);
        Assert.Contains("(UTC)", rows[0].TextContent);
        Assert.Contains("Created", rows[1].TextContent);
        Assert.Contains("the console itself", rows[1].TextContent);
        Assert.Contains((await Service<AuditLog>().QueryAsync(new AuditQuery(Search: userId), 0, 10)).Entries,
            e => e is { Subject: AuditSubject.User, Action: AuditAction.Locked, Actor: "boss@test.local" });
        Assert.Empty(Texts.Missing);
    }

    [Fact]
    public async Task An_API_request_is_recorded_in_the_name_of_its_tokens_user()
    {
        using var api = Host.CreateHttpClient(ConsoleHost.AdminApiToken);
        var created = await api.PostAsJsonAsync("api/v1/users", new { email = "via-api@test.local", password = "Good-Pa55word", role = "Editor" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var entries = (await Service<AuditLog>().QueryAsync(new AuditQuery(AuditSubject.User, Search: "via-api@test.local"), 0, 10)).Entries;

        var entry = Assert.Single(entries);
        Assert.Equal(AuditAction.Created, entry.Action);
        Assert.Equal(ConsoleHost.AdminEmail, entry.Actor);
        Assert.Equal("Editor", entry.Detail);
    }

    [Fact]
    public async Task The_grid_pages_and_filters_in_the_database()
    {
        var accounts = Service<AccountService>();
        using (AuditActor.Use("pager@test.local"))
        {
            for (var i = 0; i < 30; i++)
            {
                var result = await accounts.CreateAsync(new AccountInput
                {
                    Name = $"Paged account {i:00}", AppId = $"wxpaged{i:00}", Secret = "secret", ApiBaseUrl = "http://127.0.0.1:1",
                });
                Assert.True(result.Succeeded, string.Join(" ", result.Errors));
            }
            Assert.True(await accounts.DeleteAsync((await accounts.FindByAppIdAsync("wxpaged00"))!.Id));
        }

        var cut = RenderWithProviders<AuditPage>();
        cut.WaitForElement("#audit-grid");
        // The filters' own values, without their typing debounce: what the page does with them is under test here.
        var fields = cut.FindComponents<MudTextField<string>>();
        var actor = fields.Single(f => f.Find("input").Id == "audit-actor");
        var search = fields.Single(f => f.Find("input").Id == "audit-search");
        await cut.InvokeAsync(() => actor.Instance.ValueChanged.InvokeAsync("pager@"));

        // 31 entries match (30 created, 1 deleted); a page holds 25, the newest first: the deletion.
        cut.WaitForAssertion(() => Assert.Equal(25, cut.FindAll("#audit-grid tbody tr").Count));
        Assert.Contains("Deleted", cut.FindAll("#audit-grid tbody tr")[0].TextContent);
        Assert.Contains("Paged account 00 (wxpaged00)", cut.FindAll("#audit-grid tbody tr")[0].TextContent);
        Assert.Contains("(UTC)", cut.FindAll("#audit-grid tbody tr")[1].TextContent);
        Assert.Contains("of 31", cut.Find(".mud-table-pagination").TextContent);

        await cut.InvokeAsync(() => search.Instance.ValueChanged.InvokeAsync("Paged account 07"));
        cut.WaitForAssertion(() => Assert.Contains("Paged account 07", Assert.Single(cut.FindAll("#audit-grid tbody tr")).TextContent));
        var subject = cut.FindComponent<MudSelect<AuditSubject?>>();
        await cut.InvokeAsync(() => subject.Instance.ValueChanged.InvokeAsync(AuditSubject.Template));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("#audit-empty")));
    }

    [Fact]
    public async Task The_page_reads_in_Chinese_without_a_missing_text()
    {
        UseCulture(ConsoleCultures.Chinese);
        await TestUsers.CreateAsync(Host, "chinese-audit@test.local", Roles.Editor);

        var cut = RenderWithProviders<AuditPage>();

        cut.WaitForAssertion(() => Assert.Contains("控制台自身", cut.Find("#audit-grid").TextContent));
        Assert.Contains("创建", cut.Find("#audit-grid").TextContent);
        Assert.Empty(Texts.Missing);
    }

    private sealed class SignedIn(string email) : Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider
    {
        public override Task<Microsoft.AspNetCore.Components.Authorization.AuthenticationState> GetAuthenticationStateAsync() =>
            Task.FromResult(new Microsoft.AspNetCore.Components.Authorization.AuthenticationState(new System.Security.Claims.ClaimsPrincipal(
                new System.Security.Claims.ClaimsIdentity([new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.Name, email)], "test"))));
    }

    [Fact]
    public async Task Each_event_of_a_console_page_runs_in_the_name_of_the_circuits_user_and_only_for_that_event()
    {
        string? during = null;
        var handler = new AuditActorCircuitHandler(new SignedIn("circuit@test.local"))
            .CreateInboundActivityHandler(_ =>
            {
                during = AuditActor.Current;
                return Task.CompletedTask;
            });

        await handler(null!);

        Assert.Equal("circuit@test.local", during);
        Assert.Null(AuditActor.Current);
    }
}
