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
            return new([], ServiceText.Stored("Reminder.ChooseAccount"));
        }
        if (account.Kind != AccountKind.OfficialAccount)
        {
            return new([], ServiceText.Stored("Reminder.MiniProgram", account.Name));
        }
        var templates = await db.Templates.AsNoTracking()
            .Where(t => t.AccountId == accountId && t.Kind == TemplateKind.OfficialAccountTemplate && t.Enabled)
            .OrderBy(t => t.Title).ToListAsync(cancellationToken);
        return templates.Count == 0
            ? new([], ServiceText.Stored("Reminder.NoTemplate", account.Name))
            : new(templates, null);
    }

    /// <summary>Null when a reminder of this account with this template may be sent; otherwise why not (stored text: <see cref="ServiceText.Show"/>).</summary>
    public static async Task<string?> CheckAsync(PushConsoleDbContext db, int accountId, int? templateId, CancellationToken cancellationToken = default)
    {
        var choices = await ChoicesAsync(db, accountId, cancellationToken);
        if (!choices.Available)
        {
            return choices.Unavailable;
        }
        if (templateId is null)
        {
            return ServiceText.Stored("Reminder.ChooseTemplate");
        }
        if (choices.Templates.Any(t => t.Id == templateId))
        {
            return null;
        }
        var template = await db.Templates.AsNoTracking().SingleOrDefaultAsync(t => t.Id == templateId, cancellationToken);
        return template switch
        {
            null => ServiceText.Stored("Reminder.TemplateGone"),
            { AccountId: var owner } when owner != accountId => ServiceText.Stored("Reminder.TemplateOtherAccount", template.Title),
            { Kind: not TemplateKind.OfficialAccountTemplate } => ServiceText.Stored("Reminder.TemplateNotOfficial", template.Title),
            _ => ServiceText.Stored("Reminder.TemplateDisabled", template.Title),
        };
    }
}
