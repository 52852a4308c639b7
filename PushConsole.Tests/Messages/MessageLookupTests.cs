using System.Text.Json;
using Bunit;
using Bunit.Rendering;
using PushConsole.Credentials;
using PushConsole.Messages;
using PushConsole.Outcomes;
using PushConsole.Tests.Campaigns;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.Messages;

/// <summary>The console with the simulator as WeChat, for pages over messages the real engine sent.</summary>
public sealed class MessageWorldHost : UiHost
{
    public ConsoleWorld World { get; private set; } = null!;

    protected override async Task<ConsoleHost> StartAsync()
    {
        World = await ConsoleWorld.StartAsync();
        return World.Host;
    }

    public override async Task DisposeAsync() => await World.DisposeAsync();
}

/// <summary>The user lookup (/lookup) over transactional messages sent through the engine to the simulator.</summary>
public sealed class MessageLookupTests(MessageWorldHost world) : ConsoleUiTest(world), IClassFixture<MessageWorldHost>
{
    private readonly ConsoleWorld world = world.World;

    private async Task<MessageStatus> SendAsync(int accountId, string openId, int templateId)
    {
        var messages = Service<TransactionalMessages>();
        var accepted = await messages.AcceptAsync(new MessageRequest(JsonSerializer.SerializeToElement(accountId), openId,
            JsonSerializer.SerializeToElement(templateId), JsonSerializer.SerializeToElement(new { keyword1 = "Approved", keyword2 = "today" })),
            null, "test", CancellationToken.None);
        var id = Assert.IsType<MessageStatus>(accepted.Message).Id;
        var final = await messages.WaitAsync(id, TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.True(final?.Final, $"Message {id} is still {final?.State}.");
        return final!;
    }

    private IRenderedComponent<ContainerFragment> LookUp(int accountId, string openId)
    {
        Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().NavigateTo($"lookup?accountId={accountId}&openid={openId}");
        return RenderWithProviders<RecipientLookupPage>();
    }

    [Fact]
    public async Task Looking_up_a_user_shows_their_transactional_messages_with_the_outcome_the_api_reported()
    {
        var account = await world.AccountAsync();
        var template = await world.TemplateAsync(account);
        var (user, _) = (await world.UsersWithFormIdsAsync(account, 1)).Single();
        var sent = await SendAsync(account.Id, user, template.Id);
        // The one formId is spent: the next message finds nothing to send with.
        var none = await SendAsync(account.Id, user, template.Id);
        Assert.Equal((MessageState.Sent, MessageState.NoCredential), (sent.State, none.State));

        var cut = LookUp(account.Id, user);

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("#lookup-messages tr.lookup-transactional").Count));
        var rows = cut.FindAll("#lookup-messages tr.lookup-transactional").Select(r => r.TextContent).ToList();
        Assert.Contains($"Transactional message #{none.Id}", rows[0]);
        Assert.Contains("No usable credential", rows[0]);
        Assert.Contains($"Transactional message #{sent.Id}", rows[1]);
        Assert.Contains("Sent", rows[1]);
        Assert.Contains($"Last message: Transactional message #{none.Id} — No usable credential", cut.Find("#lookup-verdict").TextContent);
        Assert.Empty(Texts.Missing);
    }

    [Fact]
    public async Task A_transactional_message_WeChat_refused_shows_its_errcode_and_what_it_means_in_the_lookup()
    {
        var account = await world.AccountAsync();
        var template = await world.TemplateAsync(account);
        var user = CampaignHarness.NewOpenId();
        // The user is known to WeChat (it issued them a formId), but the one reported is a formId WeChat never issued: the
        // simulator refuses it (41028) and the user has no other.
        world.Sim.MintFormIds(account.AppId, user, 1);
        Assert.Equal(1, (await Service<CredentialIntake>().ReportAsync(account.Id, user, [new ReportedCredential("formid-never-issued-by-wechat")])).Accepted);
        var refused = await SendAsync(account.Id, user, template.Id);
        Assert.Equal((MessageState.Failed, 41028), (refused.State, refused.ErrCode));

        var cut = LookUp(account.Id, user);

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("#lookup-messages tr.lookup-transactional")));
        var row = cut.Find("#lookup-messages tr.lookup-transactional").TextContent;
        Assert.Contains($"Transactional message #{refused.Id}", row);
        Assert.Contains("Failed", row);
        Assert.Contains("41028", row);
        Assert.Contains(refused.Meaning!, row);
        Assert.Empty(Texts.Missing);
    }
}
