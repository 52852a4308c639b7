using System.Net;
using System.Net.Http.Json;
using PushConsole.Accounts;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;
using PushConsole.WeChat;

namespace PushConsole.Tests.Foundation;

/// <summary>Outside Development an API failure says what failed and how to find it in the log, never how the code failed.</summary>
public sealed class ProblemDetailsTests
{
    private const string Internals = "connection to 10.0.0.7 refused by secret-store";

    private sealed class BrokenWeChat : IWeChatClientFactory
    {
        public WeChatClient For(WeChatAccount account) => throw new InvalidOperationException(Internals);
    }

    [Fact]
    public async Task An_unexpected_failure_of_an_API_call_is_a_problem_body_without_the_exception()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite,
            testServices: s => s.AddSingleton<IWeChatClientFactory>(new BrokenWeChat()));
        var account = await TestAccounts.CreateMiniProgramAsync(host.Contexts(), "wxproblem01");
        using var api = host.CreateHttpClient(ConsoleHost.AdminApiToken);

        var reply = await api.PostAsync($"api/v1/templates/import?accountId={account.Id}", null);
        var body = await reply.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.InternalServerError, reply.StatusCode);
        Assert.Equal("application/problem+json", reply.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"status\":500", body);
        Assert.Contains("traceId", body);
        Assert.DoesNotContain(Internals, body);
        Assert.DoesNotContain("InvalidOperationException", body);
        Assert.DoesNotContain(" at ", body);
        Assert.Contains("\"title\":\"The request failed\"", body);

        // The framework's own title is said in the caller's language like every other problem's.
        using var chinese = new HttpRequestMessage(HttpMethod.Post, $"api/v1/templates/import?accountId={account.Id}");
        chinese.Headers.AcceptLanguage.ParseAdd("zh-CN");
        var inChinese = await (await api.SendAsync(chinese)).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Equal(("请求处理失败", 500), (inChinese.GetProperty("title").GetString(), inChinese.GetProperty("status").GetInt32()));
    }
}
