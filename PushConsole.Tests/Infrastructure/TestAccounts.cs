using Microsoft.EntityFrameworkCore;
using PushConsole.Accounts;
using PushConsole.Persistence;
using PushConsole.Templates;

namespace PushConsole.Tests.Infrastructure;

/// <summary>Accounts and templates for tests, written straight to the database.</summary>
public static class TestAccounts
{
    public static async Task<WeChatAccount> CreateMiniProgramAsync(IDbContextFactory<PushConsoleDbContext> contexts, string appId,
        string secretCipher = "not-a-real-secret", string apiBaseUrl = "http://127.0.0.1:1")
    {
        await using var db = await contexts.CreateDbContextAsync();
        var account = new WeChatAccount
        {
            Name = $"Mini program {appId}", Kind = AccountKind.MiniProgram, AppId = appId, SecretCipher = secretCipher,
            ApiBaseUrl = apiBaseUrl, CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow,
        };
        db.Accounts.Add(account);
        await db.SaveChangesAsync();
        return account;
    }

    public static async Task<MessageTemplate> CreateSubscribeTemplateAsync(IDbContextFactory<PushConsoleDbContext> contexts, int accountId,
        string weChatTemplateId, string title = "Order shipped notice")
    {
        await using var db = await contexts.CreateDbContextAsync();
        var template = new MessageTemplate
        {
            AccountId = accountId, Kind = TemplateKind.Subscribe, WeChatTemplateId = weChatTemplateId, Title = title,
            Content = "Order:{{thing1.DATA}}\n", CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow,
        };
        db.Templates.Add(template);
        await db.SaveChangesAsync();
        return template;
    }

    public static IDbContextFactory<PushConsoleDbContext> Contexts(this ConsoleHost host) =>
        host.Services.GetRequiredService<IDbContextFactory<PushConsoleDbContext>>();
}
