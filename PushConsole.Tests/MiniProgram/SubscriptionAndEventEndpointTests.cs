using System.Net;
using Microsoft.EntityFrameworkCore;
using PushConsole.Credentials;
using PushConsole.MiniProgram;
using PushConsole.Tests.Infrastructure;
using static PushConsole.Tests.MiniProgram.MiniProgramConsole;

namespace PushConsole.Tests.MiniProgram;

public class SubscriptionAndEventEndpointTests(SharedConsoleHost shared) : IClassFixture<SharedConsoleHost>
{
    [Fact]
    public async Task Accepted_known_templates_become_one_grant_each_and_the_rest_is_reported_back()
    {
        await using var console = await MiniProgramConsole.OnAsync(shared);
        var shipped = await TestAccounts.CreateSubscribeTemplateAsync(console.Host.Contexts(), console.Account.Id, "TPL_SHIPPED");
        var audio = await TestAccounts.CreateSubscribeTemplateAsync(console.Host.Contexts(), console.Account.Id, "TPL_AUDIO");
        await TestAccounts.CreateSubscribeTemplateAsync(console.Host.Contexts(), console.Account.Id, "TPL_DECLINED");
        using var http = console.ClientFor("openid-sub");

        var response = await console.PostAsync(http, "subscriptions", """
            {"errMsg":"requestSubscribeMessage:ok","TPL_SHIPPED":"accept","TPL_AUDIO":"acceptWithAudio",
             "TPL_DECLINED":"reject","TPL_BANNED":"ban","TPL_NOT_OURS":"accept","TPL_ODD":"maybe"}
            """);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = await ReadJsonAsync(response);
        Assert.Equal(["TPL_SHIPPED", "TPL_AUDIO"], reply.GetProperty("granted").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([("TPL_DECLINED", "reject"), ("TPL_BANNED", "ban"), ("TPL_NOT_OURS", "unknown"), ("TPL_ODD", "invalid")],
            reply.GetProperty("rejected").EnumerateArray().Select(e => (e.GetProperty("templateId").GetString(), e.GetProperty("reason").GetString())));
        var grants = await console.CredentialsAsync();
        Assert.Equal([shipped.Id, audio.Id], grants.Select(g => g.TemplateId!.Value));
        Assert.All(grants, g => Assert.Equal(("openid-sub", CredentialKind.SubscribeGrant, 1, (DateTimeOffset?)null), (g.OpenId, g.Kind, g.UsesLeft, g.ExpiresAt)));
    }

    [Fact]
    public async Task Accepting_the_same_template_twice_gives_two_grants()
    {
        await using var console = await MiniProgramConsole.OnAsync(shared);
        await TestAccounts.CreateSubscribeTemplateAsync(console.Host.Contexts(), console.Account.Id, "TPL_SHIPPED");
        using var http = console.ClientFor("openid-sub");

        await console.PostAsync(http, "subscriptions", """{"TPL_SHIPPED":"accept"}""");
        await console.PostAsync(http, "subscriptions", """{"TPL_SHIPPED":"accept"}""");

        Assert.Equal(2, (await console.CredentialsAsync()).Count);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("{\"errMsg\":\"requestSubscribeMessage:ok\"}")]
    [InlineData("{\"TPL_SHIPPED\":true}")]
    public async Task A_malformed_subscription_result_is_400_and_nothing_is_stored(string body)
    {
        await using var console = await MiniProgramConsole.OnAsync(shared);
        await TestAccounts.CreateSubscribeTemplateAsync(console.Host.Contexts(), console.Account.Id, "TPL_SHIPPED");
        using var http = console.ClientFor("openid-sub");

        var response = await console.PostAsync(http, "subscriptions", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await console.CredentialsAsync());
    }

    [Fact]
    public async Task A_checkin_event_is_recorded_for_the_tokens_user_and_answers_not_checked_in_today()
    {
        await using var console = await MiniProgramConsole.OnAsync(shared);
        var users = console.Host.Services.GetRequiredService<MiniProgramUsers>();
        await users.RecordLoginAsync(console.Account.Id, "openid-active", null);
        await users.RecordLoginAsync(console.Account.Id, "openid-idle", null);
        using var http = console.ClientFor("openid-active");
        var startOfDay = console.Clock.GetUtcNow().AddHours(-1);

        var response = await console.PostAsync(http, "events", """{"type":"checkin"}""");
        var custom = await console.PostAsync(http, "events", """{"type":"share"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, custom.StatusCode);
        var activity = console.Host.Services.GetRequiredService<ActivityLog>();
        Assert.Equal(["openid-idle"], await activity.UsersWithoutSinceAsync(console.Account.Id, ActivityLog.CheckIn, startOfDay));
        Assert.True(await activity.HasSinceAsync(console.Account.Id, "openid-active", "share", startOfDay));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"type\":\"\"}")]
    [InlineData("{\"type\":42}")]
    [InlineData("{\"type\":\"Check In!\"}")]
    [InlineData("not json")]
    public async Task An_event_without_a_well_formed_type_is_400_and_nothing_is_stored(string body)
    {
        await using var console = await MiniProgramConsole.OnAsync(shared);
        using var http = console.ClientFor("openid-active");

        var response = await console.PostAsync(http, "events", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await using var db = await console.Host.Contexts().CreateDbContextAsync();
        Assert.Equal(0, await db.ActivityEvents.CountAsync(e => e.AccountId == console.Account.Id));
    }
}
