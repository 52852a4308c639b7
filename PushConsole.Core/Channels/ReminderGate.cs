using Microsoft.EntityFrameworkCore;
using PushConsole.Accounts;
using PushConsole.Persistence;
using PushConsole.Templates;

namespace PushConsole.Channels;

/// <summary>The templates a channel of an account may remind with, or why it cannot remind at all.</summary>
public sealed record ReminderChoices(IReadOnlyList<MessageTemplate> Templates, string? Unavailable)
{
    public bool Available => Unavailable is null;
}

/// <summary>
/// The gate on reminders: they go to followers of an official account, as an enabled official-account template
/// message. The editor's toggle, the API and the firing reminder all ask the same questions.
/// </summary>
public static class ReminderGate
{
    public static async Task<ReminderChoices> ChoicesAsync(PushConsoleDbContext db, int accountId, CancellationToken cancellationToken = default)
    {
        var account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == accountId, cancellationToken);
        if (account is null)
        {
            return new([], "Choose an official account first.");
        }
        if (account.Kind != AccountKind.OfficialAccount)
        {
            return new([], $"{account.Name} is a mini program; reminders go to the followers of an official account.");
        }
        var templates = await db.Templates.AsNoTracking()
            .Where(t => t.AccountId == accountId && t.Kind == TemplateKind.OfficialAccountTemplate && t.Enabled)
            .OrderBy(t => t.Title).ToListAsync(cancellationToken);
        return templates.Count == 0
            ? new([], $"{account.Name} has no enabled official account template; add or enable one under Templates to turn the reminder on.")
            : new(templates, null);
    }

    /// <summary>Null when a reminder of this account with this template may be sent; otherwise why not.</summary>
    public static async Task<string?> CheckAsync(PushConsoleDbContext db, int accountId, int? templateId, CancellationToken cancellationToken = default)
    {
        var choices = await ChoicesAsync(db, accountId, cancellationToken);
        if (!choices.Available)
        {
            return choices.Unavailable;
        }
        if (templateId is null)
        {
            return "Choose the template the reminder sends.";
        }
        if (choices.Templates.Any(t => t.Id == templateId))
        {
            return null;
        }
        var template = await db.Templates.AsNoTracking().SingleOrDefaultAsync(t => t.Id == templateId, cancellationToken);
        return template switch
        {
            null => "The reminder's template no longer exists.",
            { AccountId: var owner } when owner != accountId => $"The template \"{template.Title}\" belongs to another account.",
            { Kind: not TemplateKind.OfficialAccountTemplate } => $"The template \"{template.Title}\" is not an official account template.",
            _ => $"The template \"{template.Title}\" is disabled.",
        };
    }
}
