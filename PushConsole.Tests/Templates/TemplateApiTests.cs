using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PushConsole.Accounts;
using PushConsole.Persistence;
using PushConsole.Templates;
using PushConsole.Tests.Infrastructure;
using PushConsole.Users;

namespace PushConsole.Tests.Templates;

public class TemplateApiTests
{
    [Fact]
    public async Task An_admin_creates_reads_updates_and_deletes_a_template_through_the_api()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        var account = await TemplateTestData.AccountAsync(host, AccountKind.MiniProgram, "wxapi00001");
        using var admin = host.CreateHttpClient(ConsoleHost.AdminApiToken);

        var created = await admin.PostAsJsonAsync("api/v1/templates", TemplateTestData.Subscribe(account.Id));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var view = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = view.GetProperty("id").GetInt32();
        Assert.Equal(["date2", "thing1"], view.GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("key").GetString()));
        Assert.Equal("Thing", view.GetProperty("fields")[1].GetProperty("type").GetString());

        var input = TemplateTestData.Subscribe(account.Id);
        input.Title = "Renamed";
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"api/v1/templates/{id}", input)).StatusCode);
        Assert.Equal("Renamed", (await admin.GetFromJsonAsync<JsonElement>($"api/v1/templates/{id}")).GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"api/v1/templates/{id}/disable", null)).StatusCode);
        Assert.False((await admin.GetFromJsonAsync<JsonElement>($"api/v1/templates/{id}")).GetProperty("enabled").GetBoolean());
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"api/v1/templates/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"api/v1/templates/{id}")).StatusCode);
    }

    [Fact]
    public async Task Invalid_templates_are_400_problems_listing_every_error()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        var account = await TemplateTestData.AccountAsync(host, AccountKind.MiniProgram, "wxapi00002");
        using var admin = host.CreateHttpClient(ConsoleHost.AdminApiToken);
        var input = TemplateTestData.Subscribe(account.Id);
        input.Title = "";
        input.Fields[0].ValueExpression = "{user.nickname}";

        var response = await admin.PostAsJsonAsync("api/v1/templates", input);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains(errors, e => e!.Contains("title"));
        Assert.Contains(errors, e => e!.Contains("Unknown placeholder {user.nickname}"));
    }

    [Fact]
    public async Task An_editor_reads_and_previews_templates_but_every_change_is_403_and_changes_nothing()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        var account = await TemplateTestData.AccountAsync(host, AccountKind.MiniProgram, "wxapi00003");
        var template = (await host.Services.GetRequiredService<TemplateService>().CreateAsync(TemplateTestData.Subscribe(account.Id))).Template!;
        var token = await TestUsers.CreateWithTokenAsync(host, "editor@test.local", Roles.Editor);
        using var editor = host.CreateHttpClient(token);
        var changed = TemplateTestData.Subscribe(account.Id);
        changed.Title = "Changed by an editor";

        Assert.Equal(HttpStatusCode.OK, (await editor.GetAsync("api/v1/templates")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await editor.GetAsync($"api/v1/templates/{template.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await editor.PostAsync($"api/v1/templates/{template.Id}/preview", null)).StatusCode);
        var refused = new[]
        {
            await editor.PostAsJsonAsync("api/v1/templates", TemplateTestData.Subscribe(account.Id, "sub-other")),
            await editor.PutAsJsonAsync($"api/v1/templates/{template.Id}", changed),
            await editor.DeleteAsync($"api/v1/templates/{template.Id}"),
            await editor.PostAsync($"api/v1/templates/{template.Id}/disable", null),
            await editor.PostAsync($"api/v1/templates/import?accountId={account.Id}", null),
            await editor.PostAsJsonAsync($"api/v1/templates/{template.Id}/test-send", new TestSendRequest("oSomeone")),
        };
        foreach (var response in refused)
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        var stored = (await host.Services.GetRequiredService<TemplateService>().ListAsync()).Single();
        Assert.Equal(("Meeting reminder", true), (stored.Title, stored.Enabled));
    }

    [Fact]
    public async Task An_editor_cannot_change_accounts_either()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        var account = await TemplateTestData.AccountAsync(host, AccountKind.MiniProgram, "wxapi00004");
        var token = await TestUsers.CreateWithTokenAsync(host, "editor@test.local", Roles.Editor);
        using var editor = host.CreateHttpClient(token);

        Assert.Equal(HttpStatusCode.Forbidden, (await editor.DeleteAsync($"api/v1/accounts/{account.Id}")).StatusCode);
        Assert.NotNull(await host.Services.GetRequiredService<AccountService>().FindAsync(account.Id));
    }

    [Fact]
    public async Task Preview_returns_wechats_data_object_the_card_lines_and_the_47003_local_validation_expects()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        var account = await TemplateTestData.AccountAsync(host, AccountKind.MiniProgram, "wxapi00005");
        var template = (await host.Services.GetRequiredService<TemplateService>().CreateAsync(TemplateTestData.Subscribe(account.Id))).Template!;
        using var admin = host.CreateHttpClient(ConsoleHost.AdminApiToken);

        var ok = await (await admin.PostAsJsonAsync($"api/v1/templates/{template.Id}/preview",
            new { openId = "oPreview", campaignName = "Short" })).Content.ReadFromJsonAsync<JsonElement>();
        var tooLong = await (await admin.PostAsJsonAsync($"api/v1/templates/{template.Id}/preview",
            new { campaignName = new string('长', 21) })).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal("Short", ok.GetProperty("data").GetProperty("thing1").GetProperty("value").GetString());
        Assert.Matches(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$", ok.GetProperty("data").GetProperty("date2").GetProperty("value").GetString());
        Assert.Equal("会议地点", ok.GetProperty("lines")[1].GetProperty("label").GetString());
        Assert.False(ok.GetProperty("hasErrors").GetBoolean());
        Assert.True(tooLong.GetProperty("hasErrors").GetBoolean());
        var issue = tooLong.GetProperty("issues")[0];
        Assert.Equal(47003, issue.GetProperty("errCode").GetInt32());
        Assert.Equal("argument invalid! data.thing1.value invalid", issue.GetProperty("message").GetString());
    }
}
