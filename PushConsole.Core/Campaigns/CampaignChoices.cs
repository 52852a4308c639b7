using Microsoft.EntityFrameworkCore;
using PushConsole.Persistence;
using PushConsole.Templates;

namespace PushConsole.Campaigns;

public sealed record AccountChoice(int Id, string Name, string TimeZone);

public sealed record TemplateChoice(int Id, int AccountId, string Title, TemplateKind Kind);

/// <summary>What the campaign form offers to choose from.</summary>
public sealed class CampaignChoices(IDbContextFactory<PushConsoleDbContext> contexts)
{
    public async Task<(IReadOnlyList<AccountChoice> Accounts, IReadOnlyList<TemplateChoice> Templates)> LoadAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var accounts = await db.Accounts.AsNoTracking().OrderBy(a => a.Name)
            .Select(a => new AccountChoice(a.Id, a.Name, a.TimeZone)).ToListAsync(cancellationToken);
        var templates = await db.Templates.AsNoTracking().Where(t => t.Enabled).OrderBy(t => t.Title)
            .Select(t => new TemplateChoice(t.Id, t.AccountId, t.Title, t.Kind)).ToListAsync(cancellationToken);
        return (accounts, templates);
    }
}
