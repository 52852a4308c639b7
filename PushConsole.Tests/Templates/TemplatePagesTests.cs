using System.Reflection;
using Bunit;
using Bunit.Rendering;
using Microsoft.AspNetCore.Authorization;
using PushConsole.Accounts;
using PushConsole.Shell;
using PushConsole.Simulator;
using TemplateKind = PushConsole.Templates.TemplateKind;
using PushConsole.Templates;
using PushConsole.Tests.Infrastructure;
using PushConsole.Users;

namespace PushConsole.Tests.Templates;

/// <summary>The templates page, editor and test send over the real template services (WeChat is an unreachable address).</summary>
public sealed class TemplatePagesTests(UiHost ui) : ConsoleUiTest(ui), IClassFixture<UiHost>
{
    [Fact]
    public void Only_admins_may_manage_templates()
    {
        AssertOnlyAdmins<TemplatesPage>();
    }

    [Fact]
    public async Task An_empty_editor_does_not_claim_WeChat_would_accept_and_fields_appear_from_the_content()
    {
        await TemplateTestData.AccountAsync(Host, AccountKind.MiniProgram, "wxtemplate01");
        var cut = RenderWithProviders<TemplatesPage>();

        cut.WaitForElement("#add-template").Click();
        cut.WaitForAssertion(() => Assert.StartsWith("Fill in the WeChat id", cut.Find("#preview-verdict").TextContent.Trim()));
        cut.Find("#save-template").Click();
        cut.WaitForAssertion(() =>
        {
            Assert.Contains("WeChat template id is required.", ValidationMessages(cut));
            Assert.Contains("Title is required.", ValidationMessages(cut));
        });

        cut.Find("#template-wechat-id").Input("sub-meeting");
        cut.Find("#template-title").Input("Meeting");
        cut.Find("#template-content").Input("会议时间:{{date2.DATA}}\n会议地点:{{thing1.DATA}}\n");
        cut.WaitForAssertion(() =>
        {
            Assert.Equal(2, cut.FindAll(".template-field").Count);
            Assert.DoesNotContain("WeChat template id is required.", ValidationMessages(cut));
            Assert.DoesNotContain("Title is required.", ValidationMessages(cut));
        });
        cut.Find("#value-date2").Input("{date}");
        cut.Find("#value-thing1").Input("Room 1");
        cut.WaitForAssertion(() => Assert.Equal("WeChat would accept this message.", cut.Find("#preview-verdict").TextContent.Trim()));

        cut.Find("#save-template").Click();
        cut.WaitForAssertion(() => Assert.Contains("sub-meeting", cut.Find("#templates-grid").TextContent));
    }

    [Fact]
    public async Task A_mini_program_template_is_said_to_be_answered_45103()
    {
        var account = await TemplateTestData.AccountAsync(Host, AccountKind.MiniProgram, "wxtemplate02");
        var created = await Service<TemplateService>().CreateAsync(new TemplateInput
        {
            AccountId = account.Id, Kind = TemplateKind.MiniProgramTemplate, WeChatTemplateId = "legacy-1", Title = "Legacy",
            Content = "Order:{{keyword1.DATA}}", Fields = [new TemplateFieldInput { Key = "keyword1", ValueExpression = "A" }],
        });
        Assert.True(created.Succeeded, string.Join(" ", created.Errors));
        var cut = RenderWithProviders<TemplatesPage>();

        cut.WaitForAssertion(() => Assert.Contains("legacy-1", cut.Find("#templates-grid").TextContent));
        ClickInRow(cut, "#templates-grid", "legacy-1", "Edit");

        cut.WaitForAssertion(() => Assert.Contains("45103", cut.Find("#preview-verdict").TextContent));
    }

    [Fact]
    public async Task Deleting_a_template_names_what_stops_working()
    {
        var account = await TemplateTestData.AccountAsync(Host, AccountKind.MiniProgram, "wxtemplate03");
        await Service<TemplateService>().CreateAsync(TemplateTestData.Subscribe(account.Id, "sub-delete"));
        var cut = RenderWithProviders<TemplatesPage>();
        cut.WaitForAssertion(() => Assert.Contains("sub-delete", cut.Find("#templates-grid").TextContent));

        ClickInRow(cut, "#templates-grid", "sub-delete", "Delete");
        cut.WaitForAssertion(() => Assert.Contains("campaigns and channel reminders that send it", cut.Find(".mud-dialog").TextContent));
        ClickButton(cut, "Delete");

        cut.WaitForAssertion(() => Assert.DoesNotContain("sub-delete", cut.Find("#templates-grid").TextContent));
        Assert.DoesNotContain(await Service<TemplateService>().ListAsync(account.Id), t => t.WeChatTemplateId == "sub-delete");
    }

    [Fact]
    public async Task A_test_send_needs_an_openid_and_shows_what_an_errcode_means()
    {
        var account = await TemplateTestData.AccountAsync(Host, AccountKind.MiniProgram, "wxtemplate04");
        var template = (await Service<TemplateService>().CreateAsync(TemplateTestData.Subscribe(account.Id, "sub-test"))).Template!;
        var cut = RenderWithProviders<TemplatesPage>();
        cut.WaitForAssertion(() => Assert.Contains("sub-test", cut.Find("#templates-grid").TextContent));

        ClickInRow(cut, "#templates-grid", "sub-test", "Test send");
        cut.WaitForElement("#test-send").Click();
        cut.WaitForAssertion(() => Assert.Contains("Recipient openid is required.", ValidationMessages(cut)));
        Assert.NotNull(template);
    }

    [Fact]
    public async Task A_test_send_WeChat_refuses_leads_with_the_errcodes_meaning_in_Chinese_and_labels_WeChats_own_words()
    {
        UseCulture(ConsoleCultures.Chinese);
        await using var simulator = await SimulatorServer.StartAsync();
        var account = await TemplateTestData.AccountAsync(Host, AccountKind.MiniProgram, "wxtemplate06", simulator);
        simulator.Simulator.DefineTemplate("wxtemplate06", new TemplateSpec { TemplateId = "sub-refused", Title = "会议提醒", Content = "会议时间:{{date2.DATA}}\n会议地点:{{thing1.DATA}}\n" });
        simulator.Simulator.Grant("wxtemplate06", "oGrantedOnce", "sub-refused");
        Assert.True((await Service<TemplateService>().CreateAsync(TemplateTestData.Subscribe(account.Id, "sub-refused"))).Succeeded);
        var cut = RenderWithProviders<TemplatesPage>();
        cut.WaitForAssertion(() => Assert.Contains("sub-refused", cut.Find("#templates-grid").TextContent));
        ClickInRow(cut, "#templates-grid", "sub-refused", "测试发送");
        cut.WaitForElement("#test-openid").Input("oGrantedOnce");

        cut.Find("#test-send").Click();
        cut.WaitForAssertion(() => Assert.Equal("0", cut.Find("#test-errcode").TextContent), TimeSpan.FromSeconds(10));
        Assert.Equal("ok", cut.Find("#test-errmsg").TextContent);
        cut.Find("#test-send").Click();

        // The one grant is used: WeChat answers 43101 in its own English, which stays as WeChat wrote it, labelled as WeChat's.
        cut.WaitForAssertion(() => Assert.Equal("43101", cut.Find("#test-errcode").TextContent), TimeSpan.FromSeconds(10));
        var answer = cut.Find("#test-send-answer");
        Assert.Equal("用户对该模板没有剩余的订阅授权", cut.Find("#test-meaning").TextContent);
        Assert.True(answer.TextContent.IndexOf("用户对该模板没有剩余的订阅授权", StringComparison.Ordinal)
            < answer.TextContent.IndexOf("微信原文：", StringComparison.Ordinal), answer.TextContent);
        var raw = cut.Find(".wechat-raw");
        Assert.StartsWith("微信原文：", raw.TextContent.Trim());
        Assert.Contains("user refuse to accept the msg", cut.Find("#test-errmsg").TextContent);
        Assert.Equal("en", cut.Find("#test-errmsg").GetAttribute("lang"));
        Assert.Empty(Texts.Missing);
    }

    [Fact]
    public async Task The_template_pages_render_in_Chinese_without_a_missing_text()
    {
        UseCulture(ConsoleCultures.Chinese);
        await TemplateTestData.AccountAsync(Host, AccountKind.OfficialAccount, "wxtemplate05");
        var cut = RenderWithProviders<TemplatesPage>();
        cut.WaitForElement("#add-template").Click();
        cut.WaitForAssertion(() => Assert.Contains("实时预览", cut.Markup));
        Assert.Empty(Texts.Missing);
    }
}
