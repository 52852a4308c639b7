using Bunit;
using PushConsole.Messages;
using PushConsole.Shell;
using PushConsole.Tests.Infrastructure;
using PushConsole.Users;

namespace PushConsole.Tests.Messages;

/// <summary>The console's list of transactional messages, over messages the real intake recorded.</summary>
public sealed class MessagesPageTests(UiHost ui) : ConsoleUiTest(ui), IClassFixture<UiHost>
{
    private async Task<(int AccountId, int TemplateId)> MessagesWithoutCredentialAsync(string appId, params string[] users)
    {
        var account = await TestAccounts.CreateMiniProgramAsync(Host.Contexts(), appId);
        var template = await TestAccounts.CreateSubscribeTemplateAsync(Host.Contexts(), account.Id, $"tpl-{appId}");
        foreach (var user in users)
        {
            // Nobody here holds a grant: each is recorded as "no usable credential" and nothing is sent.
            var accepted = await Service<TransactionalMessages>().AcceptAsync(new MessageRequest(
                System.Text.Json.JsonSerializer.SerializeToElement(account.Id), user, System.Text.Json.JsonSerializer.SerializeToElement(template.Id),
                System.Text.Json.JsonSerializer.SerializeToElement(new { thing1 = "Approved" })), null, "test", CancellationToken.None);
            Assert.Equal(MessageState.NoCredential, accepted.Message?.State);
        }
        return (account.Id, template.Id);
    }

    [Fact]
    public async Task The_list_shows_each_message_with_its_outcome_and_filters_by_openid()
    {
        await MessagesWithoutCredentialAsync("wxmessages01", "oMSG_first_user_0001", "oMSG_second_user_0002");

        var cut = RenderWithProviders<MessagesPage>();

        cut.WaitForAssertion(() => Assert.Contains("oMSG_second_user_0002", cut.Find("#messages-grid").TextContent));
        var grid = cut.Find("#messages-grid").TextContent;
        Assert.Contains("oMSG_first_user_0001", grid);
        Assert.Contains("No usable credential", grid);
        Assert.Contains("(Asia/Shanghai)", grid);
        Assert.Contains("Order shipped notice", grid);

        cut.Find("#filter-openid").Input("oMSG_first_user_0001");
        cut.WaitForAssertion(() => Assert.DoesNotContain("oMSG_second_user_0002", cut.Find("#messages-grid").TextContent));
        Assert.Contains("oMSG_first_user_0001", cut.Find("#messages-grid").TextContent);
        Assert.Empty(Texts.Missing);
    }

    [Fact]
    public async Task The_list_speaks_Chinese_and_editors_may_read_it()
    {
        UseCulture(ConsoleCultures.Chinese);
        SignInAs(Roles.Editor, "editor@test.local");
        await MessagesWithoutCredentialAsync("wxmessages02", "oMSG_chinese_user_0003");

        var cut = RenderWithProviders<MessagesPage>();

        cut.WaitForAssertion(() => Assert.Contains("oMSG_chinese_user_0003", cut.Find("#messages-grid").TextContent));
        Assert.Contains("无可用凭证", cut.Find("#messages-grid").TextContent);
        Assert.Empty(Texts.Missing);
    }

    [Fact]
    public async Task The_outcomes_page_counts_transactional_messages_as_their_own_kind()
    {
        await MessagesWithoutCredentialAsync("wxmessages03", "oMSG_counted_user_0004");

        var cut = RenderWithProviders<PushConsole.Outcomes.OutcomesPage>();

        cut.WaitForAssertion(() => Assert.Contains(cut.FindAll("#outcomes-by-kind .outcome-kind"),
            row => row.TextContent.StartsWith("Transactional messages", StringComparison.Ordinal)));
        Assert.Empty(Texts.Missing);
    }
}
