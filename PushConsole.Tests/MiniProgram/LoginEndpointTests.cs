using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.MiniProgram;

public class LoginEndpointTests(SharedMiniProgramHosts hosts) : IClassFixture<SharedMiniProgramHosts>
{
    [Fact]
    public async Task A_wx_login_code_gives_a_session_token_for_the_openid_WeChat_vouches_for_and_no_session_key()
    {
        await using var mp = await hosts.NewAsync();
        var code = mp.WeChat.MintLoginCode(mp.AppId, "oLoginUser1");
        using var http = mp.Host.CreateHttpClient();

        var response = await http.PostAsJsonAsync($"api/miniprogram/{mp.AppId}/login", new { code });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["expiresIn", "token"], reply.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(7200, reply.GetProperty("expiresIn").GetInt32());
        var token = reply.GetProperty("token").GetString()!;
        Assert.DoesNotContain("oLoginUser1", token);
        // The token works on the app's routes and carries that user.
        using var user = mp.Host.CreateHttpClient(token);
        Assert.Equal(HttpStatusCode.OK, (await user.PostAsJsonAsync($"api/miniprogram/{mp.AppId}/formids", new { formIds = new[] { "f-1" } })).StatusCode);
        await using var db = await mp.Host.Contexts().CreateDbContextAsync();
        Assert.Equal("oLoginUser1", (await db.Credentials.SingleAsync(c => c.AccountId == mp.Account.Id)).OpenId);
        Assert.Equal("oLoginUser1", (await db.MiniProgramUsers.SingleAsync(u => u.AccountId == mp.Account.Id)).OpenId);
    }

    [Fact]
    public async Task A_used_code_is_401_because_WeChat_answers_40163()
    {
        await using var mp = await hosts.NewAsync();
        var code = mp.WeChat.MintLoginCode(mp.AppId, "oLoginUser2");
        using var http = mp.Host.CreateHttpClient();

        var first = await http.PostAsJsonAsync($"api/miniprogram/{mp.AppId}/login", new { code });
        var again = await http.PostAsJsonAsync($"api/miniprogram/{mp.AppId}/login", new { code });

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
        Assert.Contains("40163", await again.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_unknown_code_is_401_because_WeChat_answers_40029()
    {
        await using var mp = await hosts.NewAsync();
        using var http = mp.Host.CreateHttpClient();

        var response = await http.PostAsJsonAsync($"api/miniprogram/{mp.AppId}/login", new { code = "0a3Xnot-a-real-code" });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("40029", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_code_of_another_app_is_401()
    {
        await using var mp = await hosts.NewAsync();
        var other = mp.Sim.NewApp();
        var foreign = mp.WeChat.MintLoginCode(other.AppId, "oForeign");
        using var http = mp.Host.CreateHttpClient();

        var response = await http.PostAsJsonAsync($"api/miniprogram/{mp.AppId}/login", new { code = foreign });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"code\":\"\"}")]
    [InlineData("{\"code\":\"   \"}")]
    [InlineData("{\"code\":42}")]
    [InlineData("not json")]
    public async Task A_missing_code_is_400(string body)
    {
        await using var mp = await hosts.NewAsync();
        using var http = mp.Host.CreateHttpClient();

        var response = await http.PostAsync($"api/miniprogram/{mp.AppId}/login", MiniProgramConsole.Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, mp.Sim.Calls(mp.AppId, "jscode2session"));
    }

    [Fact]
    public async Task An_unknown_appId_is_404_and_WeChat_is_not_called()
    {
        await using var mp = await hosts.NewAsync();
        var stranger = mp.Sim.NewApp();
        var code = mp.WeChat.MintLoginCode(stranger.AppId, "oStranger");
        using var http = mp.Host.CreateHttpClient();

        var response = await http.PostAsJsonAsync($"api/miniprogram/{stranger.AppId}/login", new { code });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, mp.Sim.Calls(stranger.AppId, "jscode2session"));
    }
}

public class LoginRateLimitTests
{
    private static async Task<List<HttpResponseMessage>> LogInAsync(SimulatedMiniProgram mp, int times)
    {
        using var http = mp.Host.CreateHttpClient();
        var replies = new List<HttpResponseMessage>();
        for (var i = 0; i < times; i++)
        {
            var code = mp.WeChat.MintLoginCode(mp.AppId, $"oLimited{i}");
            replies.Add(await http.PostAsJsonAsync($"api/miniprogram/{mp.AppId}/login", new { code }));
        }
        return replies;
    }

    [Fact]
    public async Task Logins_over_the_limit_of_one_address_are_429_with_Retry_After_and_never_reach_WeChat()
    {
        await using var mp = await SimulatedMiniProgram.StartAsync(settings: new Dictionary<string, string?>
        {
            ["MiniProgram:LoginsPerAddress"] = "5", ["MiniProgram:LoginWindow"] = "00:10:00",
        });

        var replies = await LogInAsync(mp, 8);

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.OK, 5), .. Enumerable.Repeat(HttpStatusCode.TooManyRequests, 3)],
            replies.Select(r => r.StatusCode));
        Assert.True(replies[^1].Headers.RetryAfter?.Delta > TimeSpan.Zero, "no Retry-After");
        Assert.Equal("application/problem+json", replies[^1].Content.Headers.ContentType?.MediaType);
        Assert.Equal(5, mp.Sim.Calls(mp.AppId, "jscode2session"));
    }

    [Fact]
    public async Task Logins_over_the_limit_of_one_app_are_429_whatever_the_address()
    {
        await using var mp = await SimulatedMiniProgram.StartAsync(settings: new Dictionary<string, string?>
        {
            ["MiniProgram:LoginsPerApp"] = "3", ["MiniProgram:LoginWindow"] = "00:10:00",
        });

        var replies = await LogInAsync(mp, 4);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], replies.Select(r => r.StatusCode));
        Assert.Equal(3, mp.Sim.Calls(mp.AppId, "jscode2session"));
    }

    [Theory]
    [InlineData(0, 3000, "00:01:00")]
    [InlineData(30, -1, "00:01:00")]
    [InlineData(30, 3000, "00:00:00")]
    public void Login_limits_below_one_stop_start_up_naming_the_keys(int perAddress, int perApp, string window)
    {
        var options = new PushConsole.MiniProgram.MiniProgramOptions
        {
            LoginsPerAddress = perAddress, LoginsPerApp = perApp, LoginWindow = TimeSpan.Parse(window, System.Globalization.CultureInfo.InvariantCulture),
        };

        var problem = Assert.Throws<ConfigurationException>(options.Validate);

        Assert.Contains("MiniProgram:LoginsPerAddress", problem.Message);
    }
}
