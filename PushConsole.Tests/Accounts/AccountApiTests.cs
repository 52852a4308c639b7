using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;
using PushConsole.Users;

namespace PushConsole.Tests.AccountTests;

public class AccountApiTests
{
    private static object NewAccount(string appId = "wxapitest0001", string? secret = "s3cret-value", string timeZone = "Asia/Shanghai",
        string apiBaseUrl = "http://127.0.0.1:5090") => new
    {
        name = "Demo", kind = 2, appId, secret, apiBaseUrl, sendRatePerSecond = 100,
        dailyQuota = 1000, timeZone, tokenMode = 1,
    };

    [Fact]
    public async Task An_admin_creates_an_account_whose_secret_is_stored_encrypted_and_never_shown_back()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        using var http = host.CreateHttpClient(ConsoleHost.AdminApiToken);

        var created = await http.PostAsJsonAsync("api/v1/accounts", NewAccount());
        var listed = await http.GetStringAsync("api/v1/accounts");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.DoesNotContain("s3cret-value", await created.Content.ReadAsStringAsync());
        Assert.DoesNotContain("s3cret-value", listed);
        Assert.True(JsonDocument.Parse(listed).RootElement[0].GetProperty("hasSecret").GetBoolean());
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<PushConsoleDbContext>>().CreateDbContextAsync();
        var stored = await db.Accounts.SingleAsync();
        Assert.NotEqual("s3cret-value", stored.SecretCipher);
        Assert.Equal("s3cret-value", host.Services.GetRequiredService<PushConsole.Accounts.AccountService>().RevealSecret(stored));
    }

    [Fact]
    public async Task Kinds_and_token_modes_are_read_and_written_by_name_in_the_uis_words()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        using var http = host.CreateHttpClient(ConsoleHost.AdminApiToken);

        var created = await http.PostAsJsonAsync("api/v1/accounts", new
        {
            name = "By name", kind = "OfficialAccount", appId = "wxbyname00001", secret = "s3cret-value", apiBaseUrl = "http://127.0.0.1:5090",
            sendRatePerSecond = 100, dailyQuota = 1000, timeZone = "Asia/Shanghai", tokenMode = "Classic",
        });
        var account = JsonDocument.Parse(await http.GetStringAsync("api/v1/accounts")).RootElement[0];
        var document = await http.GetStringAsync("openapi/v1.json");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("OfficialAccount", account.GetProperty("kind").GetString());
        Assert.Equal("Classic", account.GetProperty("tokenMode").GetString());
        Assert.Equal("bearer", JsonDocument.Parse(document).RootElement.GetProperty("components").GetProperty("securitySchemes")
            .GetProperty("Bearer").GetProperty("scheme").GetString());
    }

    [Fact]
    public async Task Updating_without_a_secret_keeps_the_stored_one()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        using var http = host.CreateHttpClient(ConsoleHost.AdminApiToken);
        var created = await (await http.PostAsJsonAsync("api/v1/accounts", NewAccount())).Content.ReadFromJsonAsync<JsonElement>();
        var id = created.GetProperty("id").GetInt32();

        var updated = await http.PutAsJsonAsync($"api/v1/accounts/{id}", NewAccount(secret: null));

        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var service = host.Services.GetRequiredService<PushConsole.Accounts.AccountService>();
        Assert.Equal("s3cret-value", service.RevealSecret((await service.FindAsync(id))!));
    }

    [Theory]
    [InlineData("bad app id!", "Asia/Shanghai", "AppID")]
    [InlineData("wxapitest0002", "Mars/Olympus", "time zone")]
    public async Task Bad_input_is_400_naming_the_problem_and_stores_nothing(string appId, string timeZone, string named)
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        using var http = host.CreateHttpClient(ConsoleHost.AdminApiToken);

        var response = await http.PostAsJsonAsync("api/v1/accounts", NewAccount(appId, timeZone: timeZone));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(named, await response.Content.ReadAsStringAsync());
        Assert.Equal("[]", await http.GetStringAsync("api/v1/accounts"));
    }

    [Fact]
    public async Task An_editor_sees_accounts_but_cannot_change_them()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        using var admin = host.CreateHttpClient(ConsoleHost.AdminApiToken);
        var created = await (await admin.PostAsJsonAsync("api/v1/accounts", NewAccount())).Content.ReadFromJsonAsync<JsonElement>();
        using var editor = host.CreateHttpClient(await TestUsers.CreateWithTokenAsync(host, "editor@test.local", Roles.Editor));

        var list = await editor.GetAsync("api/v1/accounts");
        var post = await editor.PostAsJsonAsync("api/v1/accounts", NewAccount("wxapitest0003"));
        var put = await editor.PutAsJsonAsync($"api/v1/accounts/{created.GetProperty("id").GetInt32()}", NewAccount());
        var delete = await editor.DeleteAsync($"api/v1/accounts/{created.GetProperty("id").GetInt32()}");

        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);
        Assert.Single(JsonDocument.Parse(await admin.GetStringAsync("api/v1/accounts")).RootElement.EnumerateArray());
    }

    [Theory]
    [InlineData("http://169.254.169.254")]
    [InlineData("http://api.weixin.qq.com")]
    [InlineData("https://wechat.attacker.example")]
    [InlineData("http://127.0.0.1:5090")]
    public async Task An_account_cannot_point_its_secret_at_a_host_outside_the_allow_list(string apiBaseUrl)
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite, new Dictionary<string, string?>
        {
            ["Accounts:AllowedApiBaseUrls:0"] = "",
        });
        using var http = host.CreateHttpClient(ConsoleHost.AdminApiToken);
        var refused = await http.PostAsJsonAsync("api/v1/accounts", NewAccount(apiBaseUrl: apiBaseUrl));
        var weChat = await http.PostAsJsonAsync("api/v1/accounts", NewAccount(apiBaseUrl: "https://api.weixin.qq.com"));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("Accounts:AllowedApiBaseUrls", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Created, weChat.StatusCode);
    }

    [Fact]
    public async Task An_operator_allows_another_host_in_configuration()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite, new Dictionary<string, string?>
        {
            ["Accounts:AllowedApiBaseUrls:0"] = "https://wechat-proxy.example.com",
        });
        using var http = host.CreateHttpClient(ConsoleHost.AdminApiToken);
        var created = await http.PostAsJsonAsync("api/v1/accounts", NewAccount(apiBaseUrl: "https://wechat-proxy.example.com/"));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    [Fact]
    public async Task Moving_an_account_to_another_host_needs_its_secret_again()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite, new Dictionary<string, string?>
        {
            ["Accounts:AllowedApiBaseUrls:1"] = "https://wechat-proxy.example.com",
        });
        using var http = host.CreateHttpClient(ConsoleHost.AdminApiToken);
        var created = await (await http.PostAsJsonAsync("api/v1/accounts", NewAccount())).Content.ReadFromJsonAsync<JsonElement>();
        var id = created.GetProperty("id").GetInt32();
        var withoutSecret = await http.PutAsJsonAsync($"api/v1/accounts/{id}", NewAccount(secret: null, apiBaseUrl: "https://wechat-proxy.example.com"));
        var stillThere = await http.GetFromJsonAsync<JsonElement>($"api/v1/accounts/{id}");
        var withSecret = await http.PutAsJsonAsync($"api/v1/accounts/{id}", NewAccount(apiBaseUrl: "https://wechat-proxy.example.com"));

        Assert.Equal(HttpStatusCode.BadRequest, withoutSecret.StatusCode);
        Assert.Contains("AppSecret again", await withoutSecret.Content.ReadAsStringAsync());
        Assert.Equal("http://127.0.0.1:5090", stillThere.GetProperty("apiBaseUrl").GetString());
        Assert.Equal(HttpStatusCode.OK, withSecret.StatusCode);
    }

    [Fact]
    public async Task Deleting_an_account_needs_its_AppID_as_confirmation_and_otherwise_says_what_would_go()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        using var http = host.CreateHttpClient(ConsoleHost.AdminApiToken);
        var created = await (await http.PostAsJsonAsync("api/v1/accounts", NewAccount())).Content.ReadFromJsonAsync<JsonElement>();
        var id = created.GetProperty("id").GetInt32();
        await TestAccounts.CreateSubscribeTemplateAsync(host.Contexts(), id, "TPL_A");
        await TestAccounts.CreateSubscribeTemplateAsync(host.Contexts(), id, "TPL_B");

        var unconfirmed = await http.DeleteAsync($"api/v1/accounts/{id}");
        var wrong = await http.DeleteAsync($"api/v1/accounts/{id}?confirm=wxsomethingelse");
        var stillThere = await http.GetAsync($"api/v1/accounts/{id}");
        var confirmed = await http.DeleteAsync($"api/v1/accounts/{id}?confirm=wxapitest0001");

        Assert.Equal(HttpStatusCode.BadRequest, unconfirmed.StatusCode);
        var problem = await unconfirmed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("2 templates", problem.GetProperty("detail").GetString());
        Assert.Contains("confirm=wxapitest0001", problem.GetProperty("detail").GetString());
        var wouldDelete = problem.GetProperty("wouldDelete");
        Assert.Equal((2, 0, 0, 0L), (wouldDelete.GetProperty("templates").GetInt32(), wouldDelete.GetProperty("campaigns").GetInt32(),
            wouldDelete.GetProperty("runs").GetInt32(), wouldDelete.GetProperty("ledgerRows").GetInt64()));
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, stillThere.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, confirmed.StatusCode);
        Assert.Equal("[]", await http.GetStringAsync("api/v1/accounts"));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Deleting_an_account_deletes_its_credentials_and_their_pool_rows_and_leaves_other_accounts_alone(DatabaseProvider provider)
    {
        await using var host = await ConsoleHost.StartAsync(provider);
        using var http = host.CreateHttpClient(ConsoleHost.AdminApiToken);
        var gone = (await (await http.PostAsJsonAsync("api/v1/accounts", NewAccount())).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        var kept = (await (await http.PostAsJsonAsync("api/v1/accounts", NewAccount("wxapitest0002"))).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        var intake = host.Services.GetRequiredService<PushConsole.Credentials.CredentialIntake>();
        await intake.ReportAsync(gone, "user", [new PushConsole.Credentials.ReportedCredential("gone-1"), new PushConsole.Credentials.ReportedCredential("gone-2")]);
        await intake.ReportAsync(kept, "user", [new PushConsole.Credentials.ReportedCredential("kept-1")]);

        var deleted = await http.DeleteAsync($"api/v1/accounts/{gone}?confirm=wxapitest0001");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await using var db = await host.Contexts().CreateDbContextAsync();
        Assert.Equal(["kept-1"], await db.Credentials.Select(c => c.Value).ToListAsync());
        Assert.Equal([kept], await db.AvailableCredentials.Select(a => a.AccountId).ToListAsync());
    }
}
