using System.Net;
using Microsoft.EntityFrameworkCore;
using PushConsole.Accounts;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;
using PushConsole.Tests.MiniProgram;

namespace PushConsole.Tests.Foundation;

public class HostileRequestTests
{
    [Theory]
    [InlineData("/\t/evil.example")]
    [InlineData("/campaigns\r\nSet-Cookie: x=1")]
    [InlineData("/\n")]
    [InlineData("https://evil.example/")]
    public async Task A_return_address_with_control_characters_or_another_host_sends_the_user_home(string returnUrl)
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite);
        using var browser = new FormClient(host);

        var signedIn = await browser.SignInAsync(ConsoleHost.AdminEmail, ConsoleHost.AdminPassword, returnUrl);
        var failed = await browser.SignInAsync(ConsoleHost.AdminEmail, "wrong-password", returnUrl);
        var page = await browser.GetAsync($"account/login?ReturnUrl={Uri.EscapeDataString(returnUrl)}");

        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/", signedIn.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.Redirect, failed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact]
    public async Task A_mini_program_request_for_an_account_deleted_a_moment_ago_is_404_not_500()
    {
        await using var console = await MiniProgramConsole.StartAsync();
        using var http = console.ClientFor("openid-gone");
        Assert.Equal(HttpStatusCode.OK, (await console.PostAsync(http, "events", """{"type":"checkin"}""")).StatusCode);

        // Deleted behind this node's back (as another node of a cluster would): its directory still knows the app.
        await using (var db = await console.Host.Contexts().CreateDbContextAsync())
        {
            await db.Accounts.Where(a => a.Id == console.Account.Id).ExecuteDeleteAsync();
        }
        var events = await console.PostAsync(http, "events", """{"type":"checkin"}""");
        var formIds = await console.PostAsync(http, "formids", """{"formIds":["f-1"]}""");

        Assert.Equal(HttpStatusCode.NotFound, events.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, formIds.StatusCode);
    }

    [Fact]
    public async Task Deleting_an_account_in_the_console_forgets_it_at_once_for_mini_program_requests()
    {
        await using var console = await MiniProgramConsole.StartAsync();
        using var http = console.ClientFor("openid-gone");
        await TestAccounts.CreateSubscribeTemplateAsync(console.Host.Contexts(), console.Account.Id, "TPL_SHIPPED");
        Assert.Equal(HttpStatusCode.OK, (await console.PostAsync(http, "subscriptions", """{"TPL_SHIPPED":"accept"}""")).StatusCode);

        Assert.True(await console.Host.Services.GetRequiredService<AccountService>().DeleteAsync(console.Account.Id));
        var subscriptions = await console.PostAsync(http, "subscriptions", """{"TPL_SHIPPED":"accept"}""");

        Assert.Equal(HttpStatusCode.NotFound, subscriptions.StatusCode);
    }
}
