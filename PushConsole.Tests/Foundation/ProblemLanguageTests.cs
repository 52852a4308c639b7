using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using PushConsole.Api;
using PushConsole.Tests.Campaigns;
using PushConsole.Tests.Infrastructure;
using PushConsole.Users;

namespace PushConsole.Tests.Foundation;

/// <summary>The API's problem titles and details are said in the caller's language, as its input errors are.</summary>
public sealed class ProblemLanguageTests
{
    private static readonly string Root = FindRoot();

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "PushConsole.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("PushConsole.sln not found above the test output.");
    }

    private static Dictionary<string, string> ServiceResource(string file) =>
        XDocument.Load(Path.Combine(Root, "PushConsole.Core", file)).Root!.Elements("data")
            .ToDictionary(d => (string)d.Attribute("name")!, d => (string?)d.Element("value") ?? "");

    [Fact]
    public void Every_problem_title_is_a_service_text_in_English_and_in_Chinese()
    {
        var english = ServiceResource("ServiceText.resx");
        var chinese = ServiceResource("ServiceText.zh-CN.resx");

        Assert.True(ProblemTitle.All.Count >= 30, $"only {ProblemTitle.All.Count} titles found by reflection");
        Assert.Empty(ProblemTitle.All.Where(t => !english.TryGetValue(t.Key, out var text) || string.IsNullOrWhiteSpace(text)).Select(t => t.Key));
        Assert.Empty(ProblemTitle.All.Where(t => !chinese.TryGetValue(t.Key, out var text) || !Regex.IsMatch(text, @"\p{IsCJKUnifiedIdeographs}"))
            .Select(t => t.Key));
    }

    [Fact]
    public void No_code_answers_a_problem_but_through_the_one_place_that_translates_its_title()
    {
        // Results.Problem("…") with an English title would bypass the translation; the API's problems are all made by ApiProblem.
        var bypass = new Regex(@"\b(?:Typed)?Results\s*\.\s*(?:Problem|ValidationProblem)\s*\(|new\s+(?:[\w.]+\.)?(?:ProblemDetails|HttpValidationProblemDetails)\s*[({]");
        var offenders = Directory.EnumerateFiles(Path.Combine(Root, "PushConsole"), "*.*", SearchOption.AllDirectories)
            .Where(f => (f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".razor", StringComparison.Ordinal))
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}")
                && Path.GetFileName(f) != "ApiProblem.cs")
            .Where(f => bypass.IsMatch(File.ReadAllText(f)))
            .Select(f => Path.GetRelativePath(Root, f))
            .ToList();

        Assert.Empty(offenders);
    }

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
