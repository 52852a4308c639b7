using PushConsole.Tests.Infrastructure;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PushConsole.Credentials;
using static PushConsole.Tests.MiniProgram.MiniProgramConsole;

namespace PushConsole.Tests.MiniProgram;

public class FormIdEndpointTests(SharedConsoleHost shared) : IClassFixture<SharedConsoleHost>
{
    [Fact]
    public async Task Reported_formIds_are_accepted_stored_for_the_tokens_user_and_a_repeat_is_a_duplicate()
    {
        await using var console = await MiniProgramConsole.OnAsync(shared);
        using var http = console.ClientFor("openid-alice");

        var first = await console.PostAsync(http, "formids", """{"formIds":["f1","f2",{"formId":"f3"}]}""");
        var again = await console.PostAsync(http, "formids", """{"formIds":["f2","f4"]}""");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var reply = await ReadJsonAsync(first);
        Assert.Equal(3, reply.GetProperty("accepted").GetInt32());
        Assert.Equal(0, reply.GetProperty("duplicates").GetInt32());
        Assert.Equal(0, reply.GetProperty("rejected").GetArrayLength());
        var second = await ReadJsonAsync(again);
        Assert.Equal((1, 1), (second.GetProperty("accepted").GetInt32(), second.GetProperty("duplicates").GetInt32()));
        var rows = await console.CredentialsAsync();
        Assert.Equal(["f1", "f2", "f3", "f4"], rows.Select(r => r.Value));
        Assert.All(rows, r => Assert.Equal(("openid-alice", CredentialKind.FormId, 1), (r.OpenId, r.Kind, r.UsesLeft)));
    }

    [Fact]
    public async Task The_openid_comes_from_the_token_not_from_the_body()
    {
        await using var console = await MiniProgramConsole.OnAsync(shared);
        using var http = console.ClientFor("openid-real");

        var response = await console.PostAsync(http, "formids", """{"openId":"openid-forged","openid":"openid-forged","formIds":[{"formId":"x1","openId":"openid-forged"}]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("openid-real", Assert.Single(await console.CredentialsAsync()).OpenId);
    }

    [Fact]
    public async Task A_lone_formId_object_is_accepted()
    {
        await using var console = await MiniProgramConsole.OnAsync(shared);
        using var http = console.ClientFor("openid-alice");

        var response = await console.PostAsync(http, "formids", """{"formId":"lonely","kind":"prepay"}""");

        Assert.Equal(1, (await ReadJsonAsync(response)).GetProperty("accepted").GetInt32());
        var row = Assert.Single(await console.CredentialsAsync());
        Assert.Equal(("lonely", CredentialKind.PrepayId, 3), (row.Value, row.Kind, row.UsesLeft));
    }

    [Fact]
    public async Task A_prepay_id_carries_three_uses_and_a_form_id_one()
    {
        await using var console = await MiniProgramConsole.OnAsync(shared);
        using var http = console.ClientFor("openid-payer");

        await console.PostAsync(http, "formids", """{"formIds":[{"formId":"pay-1","kind":"prepay"},{"formId":"form-1","kind":"form"}]}""");

        var rows = (await console.CredentialsAsync()).ToDictionary(r => r.Value!);
        Assert.Equal((CredentialKind.PrepayId, 3), (rows["pay-1"].Kind, rows["pay-1"].UsesLeft));
        Assert.Equal((CredentialKind.FormId, 1), (rows["form-1"].Kind, rows["form-1"].UsesLeft));
    }

    [Fact]
    public async Task Expiry_is_the_earlier_of_the_clients_expire_and_receipt_plus_7_days()
    {
        await using var console = await MiniProgramConsole.OnAsync(shared);
        using var http = console.ClientFor("openid-alice");
        var now = console.Clock.GetUtcNow();
        var soon = now.AddHours(30).ToUnixTimeMilliseconds();
        var far = now.AddDays(9).ToUnixTimeMilliseconds();

        await console.PostAsync(http, "formids", $$"""{"formIds":[{"formId":"soon","expire":{{soon}}},{"formId":"far","expire":{{far}}}]}""");

        var rows = (await console.CredentialsAsync()).ToDictionary(r => r.Value!);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(soon), rows["soon"].ExpiresAt);
        Assert.Equal(now.AddDays(7), rows["far"].ExpiresAt);
    }

    [Fact]
    public async Task An_expire_already_past_is_rejected_as_expired()
    {
        await using var console = await MiniProgramConsole.OnAsync(shared);
        using var http = console.ClientFor("openid-alice");
        var past = console.Clock.GetUtcNow().AddMinutes(-1).ToUnixTimeMilliseconds();

        var response = await console.PostAsync(http, "formids", $$"""{"formIds":[{"formId":"old","expire":{{past}}},"fresh"]}""");

        var reply = await ReadJsonAsync(response);
        Assert.Equal(1, reply.GetProperty("accepted").GetInt32());
        AssertRejected(reply, ("old", "expired"));
        Assert.Equal(["fresh"], (await console.CredentialsAsync()).Select(r => r.Value));
    }

    [Fact]
    public async Task The_devtools_mock_formId_is_rejected_as_mock()
    {
        await using var console = await MiniProgramConsole.OnAsync(shared);
        using var http = console.ClientFor("openid-alice");

        var response = await console.PostAsync(http, "formids", """{"formIds":["the formId is a mock one"]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertRejected(await ReadJsonAsync(response), ("the formId is a mock one", "mock"));
        Assert.Empty(await console.CredentialsAsync());
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("tab\there")]
    [InlineData("non-ascii-é")]
    [InlineData("中文")]
    [InlineData("129-characters")]
    public async Task An_id_that_is_not_1_to_128_printable_ascii_without_spaces_is_rejected_as_invalid(string formId)
    {
        if (formId == "129-characters")
        {
            formId = new string('a', 129);
        }
        await using var console = await MiniProgramConsole.OnAsync(shared);
        using var http = console.ClientFor("openid-alice");
        var longest = new string('b', 128);

        var response = await console.PostAsync(http, "formids", JsonSerializer.Serialize(new { formIds = new[] { formId, longest, "!~" } }));

        var reply = await ReadJsonAsync(response);
        Assert.Equal(2, reply.GetProperty("accepted").GetInt32());
        AssertRejected(reply, (formId, "invalid"));
        Assert.Equal([longest, "!~"], (await console.CredentialsAsync()).Select(r => r.Value));
    }

    [Fact]
    public async Task More_than_100_ids_is_400_and_nothing_is_stored()
    {
        await using var console = await MiniProgramConsole.OnAsync(shared);
        using var http = console.ClientFor("openid-alice");
        var ids = Enumerable.Range(0, 101).Select(i => $"id-{i}").ToArray();

        var tooMany = await console.PostAsync(http, "formids", JsonSerializer.Serialize(new { formIds = ids }));
        var hundred = await console.PostAsync(http, "formids", JsonSerializer.Serialize(new { formIds = ids[..100] }));

        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Equal("application/problem+json", tooMany.Content.Headers.ContentType?.MediaType);
        Assert.Equal("At most 100 formIds per request; this one has 101.",
            (await tooMany.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.OK, hundred.StatusCode);
        Assert.Equal(100, (await console.CredentialsAsync()).Count);

        // In the caller's language, as every other API input error.
        using var chinese = console.ClientFor("openid-bob");
        chinese.DefaultRequestHeaders.AcceptLanguage.ParseAdd("zh-CN");
        var refused = await console.PostAsync(chinese, "formids", JsonSerializer.Serialize(new { formIds = ids }));
        Assert.Equal("每个请求最多 100 个 formId；这个请求有 101 个。",
            (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_body_over_the_size_cap_is_413_and_nothing_is_stored()
    {
        await using var console = await StartAsync(new Dictionary<string, string?> { ["MiniProgram:MaxBodyBytes"] = "2048" });
        using var http = console.ClientFor("openid-alice");
        var padded = JsonSerializer.Serialize(new { formIds = new[] { "fits" }, padding = new string('x', 2100) });

        var response = await console.PostAsync(http, "formids", padded);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await console.CredentialsAsync());
    }

    [Fact]
    public async Task A_chunked_body_over_the_size_cap_is_413_too()
    {
        await using var console = await StartAsync(new Dictionary<string, string?> { ["MiniProgram:MaxBodyBytes"] = "2048" });
        using var http = console.ClientFor("openid-alice");
        var padded = JsonSerializer.Serialize(new { formIds = new[] { "fits" }, padding = new string('x', 5000) });
        using var content = new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(padded)));
        content.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/miniprogram/{console.AppId}/formids") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(await console.CredentialsAsync());
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[\"a\"]")]
    [InlineData("{}")]
    [InlineData("{\"formIds\":[]}")]
    [InlineData("{\"formIds\":\"a\"}")]
    [InlineData("{\"formIds\":[\"ok\", 42]}")]
    [InlineData("{\"formIds\":[\"ok\", {\"id\":\"x\"}]}")]
    [InlineData("{\"formIds\":[\"ok\", {\"formId\":\"x\",\"kind\":\"coupon\"}]}")]
    [InlineData("{\"formIds\":[\"ok\", {\"formId\":\"x\",\"expire\":\"tomorrow\"}]}")]
    public async Task A_malformed_body_is_400_with_problem_json_and_nothing_is_stored(string body)
    {
        await using var console = await MiniProgramConsole.OnAsync(shared);
        using var http = console.ClientFor("openid-alice");

        var response = await console.PostAsync(http, "formids", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await console.CredentialsAsync());
    }

    private static void AssertRejected(JsonElement reply, params (string FormId, string Reason)[] expected) =>
        Assert.Equal(expected, reply.GetProperty("rejected").EnumerateArray()
            .Select(r => (r.GetProperty("formId").GetString()!, r.GetProperty("reason").GetString()!)));
}
