using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PushConsole.Tests.Campaigns;
using PushConsole.Tests.Infrastructure;
using PushConsole.Users;

namespace PushConsole.Tests.Foundation;

/// <summary>The API's problem titles and details are said in the caller's language, as its input errors are.</summary>
public sealed class ProblemLanguageTests
{
    private sealed record Sample(string Name, HttpMethod Method, string Route, object? Body, string? Token, HttpStatusCode Status,
        string English, string Chinese);

    [Fact]
    public async Task Not_found_conflict_and_forbidden_titles_are_Chinese_for_a_Chinese_caller_and_English_otherwise()
    {
        await using var world = await ConsoleWorld.StartAsync();
        var account = await world.AccountAsync();
        var template = await world.TemplateAsync(account);
        var editor = await TestUsers.CreateWithTokenAsync(world.Host, "editor@problem.test", Roles.Editor);
        using var admin = world.Api();
        var adminId = (await admin.GetFromJsonAsync<JsonElement>("api/v1/users")).EnumerateArray()
            .Single(u => u.GetProperty("email").GetString() == ConsoleHost.AdminEmail).GetProperty("id").GetString();
        var campaign = new { name = "C", accountId = account.Id, templateId = template.Id, audience = "UsableCredential", schedule = "Now" };
        var message = new { account = account.Id, openid = CampaignHarness.NewOpenId(), template = template.Id, data = new { keyword1 = "a", keyword2 = "b" } };
        Sample[] samples =
        [
            new("no channel", HttpMethod.Get, "api/v1/channels/999999", null, ConsoleHost.AdminApiToken, HttpStatusCode.NotFound, "No such channel", "没有这个频道"),
            new("no account", HttpMethod.Get, "api/v1/accounts/999999", null, ConsoleHost.AdminApiToken, HttpStatusCode.NotFound, "No such account", "没有这个账号"),
            // The service says "no such campaign" in the caller's language: a Chinese caller gets the 404 too, not a 400.
            new("no campaign to update", HttpMethod.Put, "api/v1/campaigns/999999", campaign, ConsoleHost.AdminApiToken, HttpStatusCode.NotFound,
                "No such campaign", "没有这个推送活动"),
            new("no run", HttpMethod.Get, "api/v1/runs/999999", null, ConsoleHost.AdminApiToken, HttpStatusCode.NotFound, "No such run", "没有这个运行"),
            new("last admin", HttpMethod.Delete, $"api/v1/users/{adminId}", null, ConsoleHost.AdminApiToken, HttpStatusCode.Conflict,
                "User not deleted", "用户未删除"),
            new("editor on an admin route", HttpMethod.Post, "api/v1/accounts", new { name = "A" }, editor, HttpStatusCode.Forbidden, "Forbidden", "无权访问"),
            new("no token", HttpMethod.Get, "api/v1/accounts", null, null, HttpStatusCode.Unauthorized, "Unauthorized", "未授权"),
            new("take out of range", HttpMethod.Get, "api/v1/runs?take=0", null, ConsoleHost.AdminApiToken, HttpStatusCode.BadRequest,
                "Invalid query parameter", "查询参数无效"),
            new("no usable credential", HttpMethod.Post, "api/v1/messages?wait=5s", message, ConsoleHost.AdminApiToken, HttpStatusCode.Conflict,
                "No usable credential", "没有可用的凭证"),
        ];

        foreach (var sample in samples)
        {
            var english = await AskAsync(world, sample, null);
            var chinese = await AskAsync(world, sample, "zh-CN");

            Assert.True(sample.English == english.GetProperty("title").GetString(), $"{sample.Name}: {english}");
            Assert.True(sample.Chinese == chinese.GetProperty("title").GetString(), $"{sample.Name}: {chinese}");
            // What programs read stays the same in both languages.
            Assert.Equal((int)sample.Status, english.GetProperty("status").GetInt32());
            Assert.Equal((int)sample.Status, chinese.GetProperty("status").GetInt32());
            Assert.Equal(english.TryGetProperty("type", out var type) ? type.GetString() : null,
                chinese.TryGetProperty("type", out var chineseType) ? chineseType.GetString() : null);
            if (english.TryGetProperty("detail", out var detail))
            {
                Assert.DoesNotMatch(@"\p{IsCJKUnifiedIdeographs}", detail.GetString()!);
                Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", chinese.GetProperty("detail").GetString()!);
            }
        }
        var conflict = await AskAsync(world, samples[^1], "zh-CN");
        Assert.Equal("NoCredential", conflict.GetProperty("message").GetProperty("status").GetString());
        Assert.Equal(0, conflict.GetProperty("holdings").GetProperty("usable").GetInt32());
    }

    [Fact]
    public async Task An_unknown_API_address_and_a_body_of_the_wrong_type_are_problems_in_the_callers_language_not_pages()
    {
        await using var world = await ConsoleWorld.StartAsync();
        Sample[] samples =
        [
            new("unknown address", HttpMethod.Get, "api/v1/no-such-thing", null, ConsoleHost.AdminApiToken, HttpStatusCode.NotFound, "Not found", "未找到"),
            new("unknown address, no token", HttpMethod.Get, "api/v1/no-such-thing", null, null, HttpStatusCode.NotFound, "Not found", "未找到"),
            new("wrong method", HttpMethod.Delete, "api/v1/me", null, ConsoleHost.AdminApiToken, HttpStatusCode.MethodNotAllowed,
                "Method not allowed", "不允许的请求方法"),
        ];
        foreach (var sample in samples)
        {
            Assert.Equal(sample.English, (await AskAsync(world, sample, null)).GetProperty("title").GetString());
            Assert.Equal(sample.Chinese, (await AskAsync(world, sample, "zh-CN")).GetProperty("title").GetString());
        }
        using var http = world.Host.CreateHttpClient(ConsoleHost.AdminApiToken);
        using var plain = new HttpRequestMessage(HttpMethod.Post, "api/v1/accounts") { Content = new StringContent("name=A") };
        plain.Headers.AcceptLanguage.ParseAdd("zh-CN");
        using var refused = await http.SendAsync(plain);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal("不支持的内容类型", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
    }

    [Fact]
    public async Task A_messages_field_errors_are_Chinese_for_a_Chinese_caller_and_name_the_fields_as_the_API_spells_them()
    {
        await using var world = await ConsoleWorld.StartAsync();
        var account = await world.AccountAsync();
        var template = await world.TemplateAsync(account);
        // No openid, a field the template does not have, a page too long: three errors of one request.
        var body = new { account = account.Id, template = template.Id, data = new { nosuchfield = "x" }, page = new string('p', 2000) };
        var sample = new Sample("message field errors", HttpMethod.Post, "api/v1/messages", body, ConsoleHost.AdminApiToken,
            HttpStatusCode.BadRequest, "", "");

        var english = (await AskAsync(world, sample, null)).GetProperty("errors");
        var chinese = (await AskAsync(world, sample, "zh-CN")).GetProperty("errors");

        Assert.Equal(["data.nosuchfield", "openid", "page"], english.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["data.nosuchfield", "openid", "page"], chinese.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.Equal("Give the openid of the user to notify.", english.GetProperty("openid").GetString());
        Assert.All(chinese.EnumerateObject(), field => Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", field.Value.GetString()!));
    }

    private static async Task<JsonElement> AskAsync(ConsoleWorld world, Sample sample, string? language)
    {
        using var http = world.Host.CreateHttpClient(sample.Token);
        using var request = new HttpRequestMessage(sample.Method, sample.Route);
        if (sample.Body is not null)
        {
            request.Content = JsonContent.Create(sample.Body);
        }
        if (language is not null)
        {
            request.Headers.AcceptLanguage.ParseAdd(language);
        }
        using var response = await http.SendAsync(request);
        Assert.True(sample.Status == response.StatusCode, $"{sample.Name}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
