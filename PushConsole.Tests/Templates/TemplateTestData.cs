using PushConsole.Accounts;
using PushConsole.Simulator;
using TemplateKind = PushConsole.Templates.TemplateKind;
using PushConsole.Templates;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.Templates;

/// <summary>Accounts and templates the template tests share.</summary>
internal static class TemplateTestData
{
    public const string Secret = "test-secret-0123456789";

    /// <summary>An account of the console; with a simulator, the same app exists there and the account talks to it.</summary>
    public static async Task<WeChatAccount> AccountAsync(ConsoleHost host, AccountKind kind, string appId, SimulatorServer? simulator = null)
    {
        simulator?.Simulator.UpsertApp(new AppSpec
        {
            AppId = appId, Secret = Secret, Kind = kind == AccountKind.MiniProgram ? "miniprogram" : "officialaccount",
        });
        var result = await host.Services.GetRequiredService<AccountService>().CreateAsync(new AccountInput
        {
            Name = kind == AccountKind.MiniProgram ? $"Shop {appId}" : $"News {appId}",
            Kind = kind,
            AppId = appId,
            Secret = Secret,
            ApiBaseUrl = simulator?.BaseAddress.ToString() ?? "http://127.0.0.1:9/",
            TimeZone = "Asia/Shanghai",
        });
        Assert.True(result.Succeeded, string.Join(" ", result.Errors));
        return result.Account!;
    }

    public static TemplateInput Subscribe(int accountId, string weChatId = "sub-meeting") => new()
    {
        AccountId = accountId,
        Kind = TemplateKind.Subscribe,
        WeChatTemplateId = weChatId,
        Title = "Meeting reminder",
        Content = "会议时间:{{date2.DATA}}\n会议地点:{{thing1.DATA}}\n",
        Fields = [new() { Key = "thing1", ValueExpression = "{campaign.name}" }, new() { Key = "date2", ValueExpression = "{date} {time}" }],
    };
}
