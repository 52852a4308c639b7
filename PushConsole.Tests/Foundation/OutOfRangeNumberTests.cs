using System.Net;
using System.Net.Http.Json;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.Foundation;

/// <remarks>Every request here is refused before anything is stored, so the tests share one console.</remarks>
public class OutOfRangeNumberTests(SharedConsoleHost shared) : IClassFixture<SharedConsoleHost>
{
    public static TheoryData<string, string, string> Bodies => new()
    {
        { "api/v1/accounts", """{"name":"A","kind":2,"appId":"wxrange0001","secret":"s","apiBaseUrl":"https://api.weixin.qq.com","sendRatePerSecond":-5,"timeZone":"UTC"}""", "sendRatePerSecond" },
        { "api/v1/accounts", """{"name":"A","kind":2,"appId":"wxrange0002","secret":"s","apiBaseUrl":"https://api.weixin.qq.com","dailyQuota":-3,"timeZone":"UTC"}""", "dailyQuota" },
        { "api/v1/campaigns", """{"name":"C","accountId":1,"templateId":1,"audience":1,"schedule":1,"dailyCapPerUser":-3}""", "dailyCapPerUser" },
        { "api/v1/channels", """{"name":"Live","accountId":1,"startsAt":"2030-01-01T20:00:00","reminderMinutesAhead":-10}""", "reminderMinutesAhead" },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task A_negative_number_in_a_body_is_refused_with_a_400_naming_the_field(string route, string body, string field)
    {
        var host = shared.Host;
        using var admin = host.CreateHttpClient(ConsoleHost.AdminApiToken);

        var response = await admin.PostAsync(route, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(field, await response.Content.ReadAsStringAsync());
        Assert.Equal(0, (await admin.GetFromJsonAsync<System.Text.Json.JsonElement>(route)).GetArrayLength());
    }

    [Theory]
    [InlineData("api/v1/runs?take=-5", "take")]
    [InlineData("api/v1/runs?take=100000", "take")]
    [InlineData("api/v1/campaigns/1/runs?take=0", "take")]
    [InlineData("api/v1/runs/1/deliveries?skip=-1", "skip")]
    [InlineData("api/v1/channels/1/deliveries?take=-1", "take")]
    [InlineData("api/v1/outcomes/daily?days=-3", "days")]
    [InlineData("api/v1/outcomes/errors?top=0", "top")]
    public async Task Paging_out_of_range_is_refused_naming_the_parameter_instead_of_clamped(string route, string parameter)
    {
        var host = shared.Host;
        using var admin = host.CreateHttpClient(ConsoleHost.AdminApiToken);

        var response = await admin.GetAsync(route);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(parameter, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_broken_rule_is_refused_in_the_callers_language_once_per_field_naming_it()
    {
        using var admin = shared.Host.CreateHttpClient(ConsoleHost.AdminApiToken);
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/accounts")
        {
            Content = new StringContent("""{"name":"A","kind":"OfficialAccount","appId":"wxrange0003","secret":"s","apiBaseUrl":"","dailyQuota":-3,"timeZone":"UTC"}""",
                System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.AcceptLanguage.ParseAdd("zh-CN");

        var response = await admin.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("detail").GetString();
        Assert.Equal("必须填写 apiBaseUrl。 每日配额（dailyQuota）应在 1 到 100,000,000 之间。", detail);
    }
}
