using Microsoft.Extensions.Time.Testing;
using Microsoft.EntityFrameworkCore;
using PushConsole.Accounts;
using PushConsole.Persistence;
using PushConsole.Templates;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.Templates;

public class TemplateServiceTests
{
    private static async Task<(TemplateService Service, WeChatAccount MiniProgram, WeChatAccount Official)> ServiceAsync(DatabaseProvider provider)
    {
        var database = await TestDatabases.NewMigratedAsync(provider);
        IDbContextFactory<PushConsoleDbContext> factory = TestDbContextFactory.For(database);
        await using var db = await factory.CreateDbContextAsync();
        var miniProgram = new WeChatAccount { Name = "Shop", Kind = AccountKind.MiniProgram, AppId = "wxmini0001", ApiBaseUrl = "http://127.0.0.1:1" };
        var official = new WeChatAccount { Name = "News", Kind = AccountKind.OfficialAccount, AppId = "wxoa000001", ApiBaseUrl = "http://127.0.0.1:1" };
        db.Accounts.AddRange(miniProgram, official);
        await db.SaveChangesAsync();
        return (new TemplateService(factory, new PushConsole.Audit.AuditLog(factory, TimeProvider.System), new FakeTimeProvider(DateTimeOffset.UnixEpoch)), miniProgram, official);
    }

    private static TemplateInput Subscribe(int accountId) => new()
    {
        AccountId = accountId,
        Kind = TemplateKind.Subscribe,
        WeChatTemplateId = "sub-1",
        Title = "Meeting reminder",
        Content = "会议时间:{{date2.DATA}}\n会议地点:{{thing1.DATA}}\n状态:{{enum_string3.DATA}}",
        Fields =
        [
            new() { Key = "thing1", ValueExpression = "{campaign.name}" },
            new() { Key = "date2", ValueExpression = "{date}" },
            new() { Key = "enum_string3", ValueExpression = "已发货", EnumValues = ["已发货", "已签收"] },
        ],
        Page = "pages/meeting/index?id=1",
        MiniProgramState = "trial",
    };

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task A_created_template_keeps_its_fields_in_content_order_with_labels_values_and_enum_values(DatabaseProvider provider)
    {
        var (service, miniProgram, _) = await ServiceAsync(provider);

        var created = await service.CreateAsync(Subscribe(miniProgram.Id));
        var loaded = await service.FindAsync(created.Template!.Id);

        Assert.True(created.Succeeded, string.Join(" ", created.Errors));
        Assert.NotNull(loaded);
        Assert.Equal("Shop", loaded.Account?.Name);
        Assert.Equal(["date2", "thing1", "enum_string3"], loaded.Fields.Select(f => f.Key));
        Assert.Equal(["会议时间", "会议地点", "状态"], loaded.Fields.Select(f => f.Label));
        Assert.Equal(["{date}", "{campaign.name}", "已发货"], loaded.Fields.Select(f => f.ValueExpression));
        Assert.Equal(["已发货", "已签收"], loaded.Fields[2].EnumValues!);
        Assert.Equal("trial", loaded.MiniProgramState);
        Assert.Equal("pages/meeting/index?id=1", loaded.Page);
    }

    [Fact]
    public async Task Listing_filters_by_account_kind_and_enabled_and_toggling_and_deleting_work()
    {
        var (service, miniProgram, official) = await ServiceAsync(DatabaseProvider.Sqlite);
        var subscribe = (await service.CreateAsync(Subscribe(miniProgram.Id))).Template!;
        var oa = (await service.CreateAsync(new TemplateInput
        {
            AccountId = official.Id, Kind = TemplateKind.OfficialAccountTemplate, WeChatTemplateId = "oa-1", Title = "Shipped",
            Content = "{{keyword1.DATA}}", Fields = [new() { Key = "keyword1", ValueExpression = "x" }], Url = "https://example.com/o",
        })).Template!;

        Assert.Equal([oa.Id], (await service.ListAsync(official.Id)).Select(t => t.Id));
        Assert.Equal([subscribe.Id], (await service.ListAsync(kind: TemplateKind.Subscribe)).Select(t => t.Id));
        Assert.True(await service.SetEnabledAsync(oa.Id, false));
        Assert.Equal([subscribe.Id], (await service.ListAsync(enabledOnly: true)).Select(t => t.Id));
        Assert.True(await service.DeleteAsync(subscribe.Id));
        Assert.Null(await service.FindAsync(subscribe.Id));
        Assert.False(await service.DeleteAsync(subscribe.Id));
    }

    [Fact]
    public async Task Editing_the_content_keeps_values_of_remaining_keys_and_drops_removed_ones()
    {
        var (service, miniProgram, _) = await ServiceAsync(DatabaseProvider.Sqlite);
        var created = (await service.CreateAsync(Subscribe(miniProgram.Id))).Template!;
        var input = TemplateInput.From(created);
        input.Content = "地点:{{thing1.DATA}}\n备注:{{thing4.DATA}}";
        input.SyncFieldsWithContent();

        var updated = await service.UpdateAsync(created.Id, input);

        Assert.True(updated.Succeeded, string.Join(" ", updated.Errors));
        Assert.Equal(["thing1", "thing4"], updated.Template!.Fields.Select(f => f.Key));
        Assert.Equal(["{campaign.name}", ""], updated.Template.Fields.Select(f => f.ValueExpression));
    }

    public static TheoryData<string, Action<TemplateInput>, string> InvalidInputs => new()
    {
        { "official kind on a mini program", i => i.Kind = TemplateKind.OfficialAccountTemplate, "cannot have OfficialAccountTemplate" },
        { "no WeChat id", i => i.WeChatTemplateId = " ", "WeChat template id is required" },
        { "no title", i => i.Title = "", "title is required" },
        { "no placeholders", i => { i.Content = "plain"; i.Fields = []; }, "no {{key.DATA}} fields" },
        { "unknown placeholder", i => i.Fields[0].ValueExpression = "{user.nickname}", "Unknown placeholder {user.nickname}" },
        { "field not in content", i => i.Fields.Add(new() { Key = "thing9" }), "Field 'thing9' is not in the content" },
        { "bad colour", i => { i.Kind = TemplateKind.MiniProgramTemplate; i.Fields[0].Color = "blue"; }, "hex colour" },
        { "leading slash page", i => i.Page = "/pages/index", "starts without '/'" },
        { "bad state", i => i.MiniProgramState = "beta", "developer, trial or formal" },
        { "bad language", i => i.Lang = "fr_FR", "zh_CN, en_US, zh_HK or zh_TW" },
        { "emphasis of no field", i => { i.Kind = TemplateKind.MiniProgramTemplate; i.EmphasisKeyword = "keyword9"; }, "keyword9.DATA is not a field" },
    };

    [Theory]
    [MemberData(nameof(InvalidInputs))]
    public async Task Invalid_input_is_returned_as_errors_and_nothing_is_saved(string why, Action<TemplateInput> spoil, string expected)
    {
        var (service, miniProgram, _) = await ServiceAsync(DatabaseProvider.Sqlite);
        var input = Subscribe(miniProgram.Id);
        spoil(input);

        var result = await service.CreateAsync(input);

        Assert.False(result.Succeeded, why);
        Assert.Contains(result.Errors, e => e.Contains(expected));
        Assert.Empty(await service.ListAsync());
    }

    [Fact]
    public async Task Official_account_jump_needs_an_absolute_url_and_both_mini_program_values()
    {
        var (service, _, official) = await ServiceAsync(DatabaseProvider.Sqlite);
        var input = new TemplateInput
        {
            AccountId = official.Id, Kind = TemplateKind.OfficialAccountTemplate, WeChatTemplateId = "oa-1", Title = "t",
            Content = "{{keyword1.DATA}}", Url = "example.com", MiniProgramAppId = "wxmini",
        };

        var result = await service.CreateAsync(input);

        Assert.Contains(result.Errors, e => e.Contains("absolute http(s)"));
        Assert.Contains(result.Errors, e => e.Contains("both the mini program's AppID and its page path"));
    }

    [Fact]
    public async Task The_same_WeChat_template_id_twice_on_one_account_is_refused()
    {
        var (service, miniProgram, _) = await ServiceAsync(DatabaseProvider.Sqlite);
        await service.CreateAsync(Subscribe(miniProgram.Id));

        var again = await service.CreateAsync(Subscribe(miniProgram.Id));

        Assert.Contains(again.Errors, e => e.Contains("sub-1 already"));
    }
}
