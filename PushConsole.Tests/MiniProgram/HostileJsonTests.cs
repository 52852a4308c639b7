using System.Net;
using System.Net.Http.Headers;
using System.Text;
using PushConsole.Tests.Infrastructure;
using static PushConsole.Tests.MiniProgram.MiniProgramConsole;

namespace PushConsole.Tests.MiniProgram;

public class HostileJsonTests(SharedConsoleHost shared) : IClassFixture<SharedConsoleHost>
{
    /// <summary>Invalid UTF-8 (a lone continuation byte and a truncated sequence), and an escaped lone surrogate.</summary>
    public static TheoryData<string, byte[]> HostileBodies(string key) => new()
    {
        { "invalid UTF-8", [.. Encoding.ASCII.GetBytes($"{{\"{key}\":\"a"), 0xC3, 0x28, 0xFF, .. Encoding.ASCII.GetBytes("\"}")] },
        { "lone surrogate", Encoding.ASCII.GetBytes($"{{\"{key}\":\"\\ud800\"}}") },
    };

    public static TheoryData<string, byte[]> LoginBodies => HostileBodies("code");
    public static TheoryData<string, byte[]> SubscriptionBodies => HostileBodies("TPL_SHIPPED");
    // "name" is a string every one of these bodies binds, so the bad text reaches the deserializer's transcoding.
    public static TheoryData<string, byte[]> ConsoleBodies => HostileBodies("name");

    private static ByteArrayContent Raw(byte[] body) =>
        new(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };

    private static async Task AssertProblem400Async(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [MemberData(nameof(LoginBodies))]
    public async Task Anonymous_login_with_broken_text_is_a_400_problem(string _, byte[] body)
    {
        await using var console = await MiniProgramConsole.OnAsync(shared);
        using var http = console.Host.CreateHttpClient();

        await AssertProblem400Async(await http.PostAsync($"api/miniprogram/{console.AppId}/login", Raw(body)));
    }

    [Theory]
    [MemberData(nameof(SubscriptionBodies))]
    public async Task Session_routes_with_broken_text_are_a_400_problem_and_store_nothing(string _, byte[] body)
    {
        await using var console = await MiniProgramConsole.OnAsync(shared);
        await TestAccounts.CreateSubscribeTemplateAsync(console.Host.Contexts(), console.Account.Id, "TPL_SHIPPED");
        using var http = console.ClientFor("openid-hostile");

        foreach (var route in new[] { "subscriptions", "formids", "events" })
        {
            await AssertProblem400Async(await http.PostAsync($"api/miniprogram/{console.AppId}/{route}", Raw(body)));
        }
        Assert.Empty(await console.CredentialsAsync());
    }

    [Theory]
    [MemberData(nameof(ConsoleBodies))]
    public async Task Console_API_routes_with_broken_text_are_a_400_problem(string _, byte[] body)
    {
        await using var console = await MiniProgramConsole.OnAsync(shared);
        using var admin = console.Host.CreateHttpClient(ConsoleHost.AdminApiToken);

        foreach (var route in new[] { "api/v1/accounts", "api/v1/campaigns", "api/v1/channels", "api/v1/templates", "api/v1/users" })
        {
            await AssertProblem400Async(await admin.PostAsync(route, Raw(body)));
        }
    }

    [Fact]
    public async Task A_key_repeated_in_a_subscription_result_is_400_and_grants_nothing()
    {
        await using var console = await MiniProgramConsole.OnAsync(shared);
        await TestAccounts.CreateSubscribeTemplateAsync(console.Host.Contexts(), console.Account.Id, "TPL_SHIPPED");
        using var http = console.ClientFor("openid-dup");

        var response = await console.PostAsync(http, "subscriptions", """{"TPL_SHIPPED":"accept","TPL_SHIPPED":"accept","TPL_SHIPPED":"accept"}""");

        await AssertProblem400Async(response);
        Assert.Contains("TPL_SHIPPED", await response.Content.ReadAsStringAsync());
        Assert.Empty(await console.CredentialsAsync());
    }

    [Fact]
    public async Task A_key_repeated_in_a_console_API_body_is_400()
    {
        await using var console = await MiniProgramConsole.OnAsync(shared);
        using var admin = console.Host.CreateHttpClient(ConsoleHost.AdminApiToken);

        var response = await admin.PostAsync("api/v1/accounts", Json("""
            {"name":"A","kind":2,"appId":"wxdup0001","secret":"s","apiBaseUrl":"https://api.weixin.qq.com","dailyQuota":10,"dailyQuota":-3,"timeZone":"UTC"}
            """));

        await AssertProblem400Async(response);
        Assert.Contains("dailyQuota", await response.Content.ReadAsStringAsync());
    }
}
