using System.Net;
using static PushConsole.Tests.MiniProgram.MiniProgramConsole;

namespace PushConsole.Tests.MiniProgram;

public class RateLimitTests
{
    [Fact]
    public async Task A_user_over_the_limit_gets_429_with_Retry_After_and_nothing_is_stored_while_other_users_are_unaffected()
    {
        await using var console = await StartAsync(new Dictionary<string, string?>
        {
            ["MiniProgram:RequestBurst"] = "2",
            ["MiniProgram:RequestsPerWindow"] = "1",
            ["MiniProgram:RequestWindow"] = "00:01:00",
        });
        using var busy = console.ClientFor("openid-busy");
        using var calm = console.ClientFor("openid-calm");

        var first = await console.PostAsync(busy, "formids", """{"formIds":["b1"]}""");
        var second = await console.PostAsync(busy, "formids", """{"formIds":["b2"]}""");
        var third = await console.PostAsync(busy, "formids", """{"formIds":["b3"]}""");
        var other = await console.PostAsync(calm, "formids", """{"formIds":["c1"]}""");

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK], [first.StatusCode, second.StatusCode]);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal("application/problem+json", third.Content.Headers.ContentType?.MediaType);
        var retryAfter = third.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, 60);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(["b1", "b2", "c1"], (await console.CredentialsAsync()).Select(c => c.Value));
    }
}
