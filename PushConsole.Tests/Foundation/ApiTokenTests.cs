using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;
using PushConsole.Users;

namespace PushConsole.Tests.Foundation;

public class ApiTokenTests
{
    [Fact]
    public async Task Me_with_a_valid_token_answers_the_users_email_and_roles()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        using var http = host.CreateHttpClient(ConsoleHost.AdminApiToken);

        var me = await http.GetFromJsonAsync<JsonElement>("api/v1/me");

        Assert.Equal(ConsoleHost.AdminEmail, me.GetProperty("email").GetString());
        Assert.Equal([Roles.Admin], me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("pct_not_a_real_token")]
    [InlineData("Basic abc")]
    public async Task Me_without_a_valid_token_is_401_with_problem_json(string? authorization)
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        using var http = host.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/me");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization.StartsWith("Basic") ? authorization : $"Bearer {authorization}");
        }

        var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task An_editors_token_works_on_editor_routes_and_is_403_on_admin_routes()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        var token = await TestUsers.CreateWithTokenAsync(host, "editor@test.local", Roles.Editor);
        using var http = host.CreateHttpClient(token);

        var me = await http.GetAsync("api/v1/me");
        var users = await http.GetAsync("api/v1/users");

        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, users.StatusCode);
        Assert.Equal("application/problem+json", users.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_revoked_token_stops_working_and_only_its_hash_is_stored()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        var tokens = host.Services.GetRequiredService<ApiTokenService>();
        var admin = (await host.Services.CreateScope().ServiceProvider.GetRequiredService<UserAdministration>().ListAsync()).Single();
        var created = await tokens.CreateAsync(admin.Id, "ci");
        using var http = host.CreateHttpClient(created.PlainValue);

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/v1/me")).StatusCode);
        Assert.DoesNotContain((await tokens.PageAsync(admin.Id, null, null, false, 0, 500)).Tokens, t => t.Hash == created.PlainValue);
        Assert.True(await tokens.RevokeAsync(admin.Id, created.Token.Id));
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("api/v1/me")).StatusCode);
    }

    [Fact]
    public void A_resolved_token_is_believed_for_five_seconds_at_most_and_never_after_a_forget_that_came_during_its_resolution()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var principals = new ApiTokenPrincipals(time);
        System.Security.Claims.Claim[] claims = [new(System.Security.Claims.ClaimTypes.Role, Roles.Sender)];

        principals.Remember("hash-a", "user-1", claims, principals.Generation);
        Assert.Same(claims, principals.Find("hash-a"));
        time.Advance(ApiTokenPrincipals.Lifetime);
        Assert.Null(principals.Find("hash-a"));
        Assert.True(ApiTokenPrincipals.Lifetime <= TimeSpan.FromSeconds(5));

        // Read before a revoke, stored after it: not kept.
        var started = principals.Generation;
        principals.Forget("user-1");
        principals.Remember("hash-a", "user-1", claims, started);
        Assert.Null(principals.Find("hash-a"));

        principals.Remember("hash-b", "user-2", claims, principals.Generation);
        principals.Remember("hash-c", "user-3", claims, principals.Generation);
        principals.Forget("user-2");
        Assert.Null(principals.Find("hash-b"));
        Assert.Same(claims, principals.Find("hash-c"));
    }
}
