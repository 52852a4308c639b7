using PushConsole.Tests.Infrastructure;
using System.Net;
using System.Net.Http.Headers;
using static PushConsole.Tests.MiniProgram.MiniProgramConsole;

namespace PushConsole.Tests.MiniProgram;

public class SessionTokenTests(SharedConsoleHost shared) : IClassFixture<SharedConsoleHost>
{
    public static TheoryData<string> Routes => new() { "formids", "subscriptions", "events" };

    private static string BodyFor(string route) => route switch
    {
        "formids" => """{"formIds":["f1"]}""",
        "subscriptions" => """{"TPL":"accept"}""",
        _ => """{"type":"checkin"}""",
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task A_missing_token_is_401_with_problem_json(string route)
    {
        await using var console = await MiniProgramConsole.OnAsync(shared);
        using var http = console.Host.CreateHttpClient();

        var response = await console.PostAsync(http, route, BodyFor(route));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("Bearer not-a-token")]
    [InlineData("Bearer ")]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer Q2ZESjhPZ")]
    public async Task A_malformed_token_is_401_and_nothing_is_stored(string authorization)
    {
        await using var console = await MiniProgramConsole.OnAsync(shared);
        using var http = console.Host.CreateHttpClient();
        http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);

        var response = await console.PostAsync(http, "formids", """{"formIds":["f1"]}""");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(await console.CredentialsAsync());
    }

    [Fact]
    public async Task A_tampered_token_is_401()
    {
        await using var console = await MiniProgramConsole.OnAsync(shared);
        var token = console.TokenFor("openid-alice").ToCharArray();
        token[token.Length / 2] = token[token.Length / 2] == 'A' ? 'B' : 'A';
        using var http = console.Host.CreateHttpClient(new string(token));

        var response = await console.PostAsync(http, "formids", """{"formIds":["f1"]}""");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_token_is_accepted_until_its_lifetime_ends_and_is_401_from_then_on()
    {
        await using var console = await StartAsync(new Dictionary<string, string?> { ["MiniProgram:SessionLifetime"] = "00:30:00" });
        using var http = console.ClientFor("openid-alice");

        console.Clock.Advance(TimeSpan.FromMinutes(30) - TimeSpan.FromSeconds(1));
        var before = await console.PostAsync(http, "formids", """{"formIds":["in-time"]}""");
        console.Clock.Advance(TimeSpan.FromSeconds(1));
        var after = await console.PostAsync(http, "formids", """{"formIds":["too-late"]}""");

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Equal(["in-time"], (await console.CredentialsAsync()).Select(c => c.Value));
    }

    [Fact]
    public async Task A_token_issued_for_another_app_is_401()
    {
        await using var console = await MiniProgramConsole.OnAsync(shared);
        var other = await Infrastructure.TestAccounts.CreateMiniProgramAsync(Infrastructure.TestAccounts.Contexts(console.Host), "wxanotherapp00001");
        using var http = console.Host.CreateHttpClient(console.TokenFor("openid-alice", other.AppId));

        var response = await console.PostAsync(http, "formids", """{"formIds":["f1"]}""");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(await console.CredentialsAsync());
    }

    [Fact]
    public async Task A_console_api_token_is_not_a_session_token()
    {
        await using var console = await MiniProgramConsole.OnAsync(shared);
        using var http = console.Host.CreateHttpClient(Infrastructure.ConsoleHost.AdminApiToken);

        var response = await console.PostAsync(http, "formids", """{"formIds":["f1"]}""");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task The_token_is_opaque_and_does_not_show_the_openid()
    {
        await using var console = await MiniProgramConsole.OnAsync(shared);

        var token = console.TokenFor("openid-visible-in-plain-text");

        Assert.DoesNotContain("openid-visible", token);
        var decoded = System.Text.Encoding.UTF8.GetString(Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlDecode(token));
        Assert.DoesNotContain("openid-visible", decoded);
        Assert.DoesNotContain(console.AppId, decoded);
    }
}
