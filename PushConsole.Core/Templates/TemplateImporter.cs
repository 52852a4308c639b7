using Microsoft.EntityFrameworkCore;
using PushConsole.Accounts;
using PushConsole.Persistence;
using PushConsole.WeChat;

namespace PushConsole.Templates;

/// <summary>What an import did, or WeChat's answer when it could not list the templates.</summary>
public sealed record ImportResult(int Created, int Updated, int Unchanged, IReadOnlyList<string> NotAtWeChat, WeChatError? Error)
{
    public bool Succeeded => Error is null;
}

/// <summary>
/// Brings an account's templates from WeChat (subscribe and legacy lists for a mini program, the private template list
/// for an official account) into the console. Templates are matched by WeChat template id: new ones are created
/// disabled (their fields have no values yet), known ones get WeChat's title, content and enum values while keeping
/// the values admins gave to keys that remain. Templates WeChat no longer lists are reported, not deleted.
/// </summary>
public sealed class TemplateImporter(IDbContextFactory<PushConsoleDbContext> contexts, IWeChatClientFactory clients, Audit.AuditLog audit,
    TimeProvider time)
{
    public async Task<ImportResult> ImportAsync(int accountId, CancellationToken cancellationToken = default)
    {
        WeChatAccount? account;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == accountId, cancellationToken);
        }
        if (account is null)
        {
            return new ImportResult(0, 0, 0, [], new WeChatError(WeChatErrorKind.Configuration, 0, ServiceText.Get("Account.Missing")));
        }
        var listed = await clients.For(account).ListTemplatesAsync(cancellationToken);
        if (!listed.Succeeded)
        {
            return new ImportResult(0, 0, 0, [], listed.Error);
        }
        return await MergeAsync(account, listed.Value, cancellationToken);
    }

    private async Task<ImportResult> MergeAsync(WeChatAccount account, IReadOnlyList<WeChatTemplate> remote, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var local = await db.Templates.Where(t => t.AccountId == account.Id).ToListAsync(cancellationToken);
        var byId = local.ToDictionary(t => t.WeChatTemplateId, StringComparer.Ordinal);
        var now = time.GetUtcNow();
        int created = 0, updated = 0, unchanged = 0;
        foreach (var wechat in remote.DistinctBy(t => t.TemplateId))
        {
            if (byId.TryGetValue(wechat.TemplateId, out var existing))
            {
                if (Apply(existing, wechat))
                {
                    existing.UpdatedAt = now;
                    updated++;
                }
                else
                {
                    unchanged++;
                }
                continue;
            }
            var template = new MessageTemplate { AccountId = account.Id, Enabled = false, CreatedAt = now, UpdatedAt = now };
            Apply(template, wechat);
            db.Templates.Add(template);
            created++;
        }
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(Audit.AuditSubject.Template, Audit.AuditAction.Imported, account.Id.ToString(), $"{account.Name} ({account.AppId})",
            account.Id, $"{created} created, {updated} updated, {unchanged} unchanged");
        var remoteIds = remote.Select(t => t.TemplateId).ToHashSet(StringComparer.Ordinal);
        return new ImportResult(created, updated, unchanged, local.Where(t => !remoteIds.Contains(t.WeChatTemplateId)).Select(t => t.WeChatTemplateId).ToList(), null);
    }

    /// <summary>Copies WeChat's side of the template; true when anything changed.</summary>
    private static bool Apply(MessageTemplate template, WeChatTemplate wechat)
    {
        var before = Snapshot(template);
        template.Kind = wechat.Kind;
        template.WeChatTemplateId = wechat.TemplateId;
        template.Title = Truncate(wechat.Title, 200);
        template.Content = Truncate(wechat.Content, 2000);
        template.Example = string.IsNullOrWhiteSpace(wechat.Example) ? null : Truncate(wechat.Example, 2000);
        template.LongTerm = wechat.LongTerm ?? false;
        var kept = template.Fields.ToDictionary(f => f.Key, StringComparer.Ordinal);
        template.Fields = TemplateContentParser.Parse(template.Content).Select(p =>
        {
            kept.TryGetValue(p.Key, out var old);
            var enumValues = wechat.EnumValues is not null && wechat.EnumValues.TryGetValue(p.Key, out var values) && values.Count > 0
                ? values.ToList()
                : old?.EnumValues;
            return new TemplateField { Key = p.Key, Label = p.Label, ValueExpression = old?.ValueExpression ?? "", Color = old?.Color, EnumValues = enumValues };
        }).ToList();
        return before != Snapshot(template);
    }

    private static string Snapshot(MessageTemplate t) => string.Join("\u001F", t.Kind, t.Title, t.Content, t.Example, t.LongTerm,
        string.Join("\u001E", t.Fields.Select(f => $"{f.Key}\u001D{f.Label}\u001D{f.ValueExpression}\u001D{f.Color}\u001D{string.Join(",", f.EnumValues ?? [])}")));

    private static string Truncate(string value, int max) => value.Length <= max ? value : value[..max];
}
