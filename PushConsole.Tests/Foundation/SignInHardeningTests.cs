using System.Net;
using Microsoft.AspNetCore.Identity;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;
using PushConsole.Users;

namespace PushConsole.Tests.Foundation;

public class SignInHardeningTests
{
    private sealed class CountingHasher : PasswordHasher<ConsoleUser>
    {
        public int Verifications;

        public override PasswordVerificationResult VerifyHashedPassword(ConsoleUser user, string hashedPassword, string providedPassword)
        {
            Interlocked.Increment(ref Verifications);
            return base.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }

    [Fact]
    public async Task Wrong_passwords_lock_the_sign_in_form_but_not_the_users_API_tokens()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        using var browser = new FormClient(host);
        using var api = host.CreateHttpClient(ConsoleHost.AdminApiToken);

        for (var i = 0; i < 5; i++)
        {
            await browser.SignInAsync(ConsoleHost.AdminEmail, "wrong-password");
        }
        var withRightPassword = await browser.SignInAsync(ConsoleHost.AdminEmail, ConsoleHost.AdminPassword);

        Assert.Contains("Error=locked", withRightPassword.Headers.Location?.ToString());
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("api/v1/accounts")).StatusCode);
    }

    [Fact]
    public async Task An_unknown_email_costs_a_password_hash_like_a_known_one()
    {
        var hasher = new CountingHasher();
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite, null,
            services => services.AddSingleton<IPasswordHasher<ConsoleUser>>(hasher));
        using var browser = new FormClient(host);

        var before = hasher.Verifications;
        var unknown = await browser.SignInAsync("nobody@test.local", "some-password");
        var forUnknown = hasher.Verifications - before;
        before = hasher.Verifications;
        await browser.SignInAsync(ConsoleHost.AdminEmail, "wrong-password");
        var forKnown = hasher.Verifications - before;

        Assert.Contains("Error=invalid", unknown.Headers.Location?.ToString());
        Assert.Equal(1, forKnown);
        Assert.Equal(forKnown, forUnknown);
    }

    [Fact]
    public async Task Sign_in_attempts_from_one_address_are_limited_whichever_emails_they_try()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite, new Dictionary<string, string?>
        {
            ["SignIn:AttemptsPerAddress"] = "3", ["SignIn:AttemptWindow"] = "00:10:00",
        });
        using var browser = new FormClient(host);

        var replies = new List<HttpResponseMessage>();
        for (var i = 0; i < 4; i++)
        {
            replies.Add(await browser.SignInAsync($"user{i}@test.local", "wrong-password"));
        }

        Assert.All(replies.Take(3), r => Assert.Equal(HttpStatusCode.Redirect, r.StatusCode));
        Assert.Equal(HttpStatusCode.TooManyRequests, replies[3].StatusCode);
        Assert.NotNull(replies[3].Headers.RetryAfter);
    }

    [Fact]
    public async Task A_lock_and_a_role_change_take_effect_on_the_next_request_of_a_signed_in_user_and_their_tokens()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        var editorId = await TestUsers.CreateAsync(host, "editor@test.local", Roles.Admin);
        var token = (await host.Services.GetRequiredService<ApiTokenService>().CreateAsync(editorId, "test")).PlainValue;
        using var browser = new FormClient(host);
        using var api = host.CreateHttpClient(token);
        await browser.SignInAsync("editor@test.local", TestUsers.Password);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("users")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("api/v1/users")).StatusCode);

        using (var scope = host.Services.CreateScope())
        {
            // The sign-in is noted for the users page.
            Assert.NotNull((await scope.ServiceProvider.GetRequiredService<UserAdministration>().ListAsync()).Single(u => u.Id == editorId).LastSignInAt);
            Assert.True((await scope.ServiceProvider.GetRequiredService<UserAdministration>().SetRoleAsync(editorId, Roles.Editor)).Succeeded);
        }
        var pageAfterDemotion = await browser.GetAsync("users");
        var apiAfterDemotion = await api.GetAsync("api/v1/users");
        using (var scope = host.Services.CreateScope())
        {
            Assert.True((await scope.ServiceProvider.GetRequiredService<UserAdministration>().SetLockedAsync(editorId, true)).Succeeded);
        }
        var apiAfterLock = await api.GetAsync("api/v1/accounts");

        Assert.NotEqual(HttpStatusCode.OK, pageAfterDemotion.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, apiAfterDemotion.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, apiAfterLock.StatusCode);
    }

    [Fact]
    public async Task The_last_active_admin_cannot_be_locked_or_demoted()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        var otherAdmin = await TestUsers.CreateAsync(host, "second@test.local", Roles.Admin);
        using var scope = host.Services.CreateScope();
        var admin = scope.ServiceProvider.GetRequiredService<UserAdministration>();
        var firstAdmin = (await admin.ListAsync()).Single(u => u.Email == ConsoleHost.AdminEmail).Id;
        Assert.True((await admin.SetLockedAsync(otherAdmin, true)).Succeeded);

        var locked = await admin.SetLockedAsync(firstAdmin, true);
        var demoted = await admin.SetRoleAsync(firstAdmin, Roles.Editor);

        Assert.False(locked.Succeeded);
        Assert.Contains("last active admin", locked.Error);
        Assert.False(demoted.Succeeded);
        Assert.Contains("last active admin", demoted.Error);
        Assert.Contains(await admin.ListAsync(), u => u.Id == firstAdmin && !u.LockedOut && u.Role == Roles.Admin);
    }
}
