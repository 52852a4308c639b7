using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using PushConsole.Accounts;
using PushConsole.Persistence;

namespace PushConsole.Templates;

/// <summary>Reads and changes message templates. Invalid input comes back as errors, never as exceptions.</summary>
public sealed partial class TemplateService(IDbContextFactory<PushConsoleDbContext> contexts, Audit.AuditLog audit, TimeProvider time)
{
    public static readonly IReadOnlyList<string> MiniProgramStates = ["developer", "trial", "formal"];
    public static readonly IReadOnlyList<string> Languages = ["zh_CN", "en_US", "zh_HK", "zh_TW"];

    public sealed record Result(MessageTemplate? Template, IReadOnlyList<string> Errors)
    {
        public bool Succeeded => Errors.Count == 0;
    }

    /// <summary>Templates with their account, optionally of one account and/or kind, by account then title.</summary>
    public async Task<IReadOnlyList<MessageTemplate>> ListAsync(int? accountId = null, TemplateKind? kind = null, bool enabledOnly = false,
        CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = db.Templates.AsNoTracking().Include(t => t.Account).AsQueryable();
        if (accountId is int a)
        {
            query = query.Where(t => t.AccountId == a);
        }
        if (kind is TemplateKind k)
        {
            query = query.Where(t => t.Kind == k);
        }
        if (enabledOnly)
        {
            query = query.Where(t => t.Enabled);
        }
        var list = await query.ToListAsync(cancellationToken);
        // Sorted here: the account name lives in another table and titles may be Chinese; both sort fine in memory.
        return list.OrderBy(t => t.Account?.Name, StringComparer.CurrentCulture).ThenBy(t => t.Title, StringComparer.CurrentCulture).ToList();
    }

    /// <summary>One template with its account.</summary>
    public async Task<MessageTemplate?> FindAsync(int id, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Templates.AsNoTracking().Include(t => t.Account).SingleOrDefaultAsync(t => t.Id == id, cancellationToken);
    }

    public async Task<Result> CreateAsync(TemplateInput input, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == input.AccountId, cancellationToken);
        var errors = Validate(input, account);
        if (errors.Count > 0)
        {
            return new(null, errors);
        }
        var id = input.WeChatTemplateId.Trim();
        if (await db.Templates.AnyAsync(t => t.AccountId == input.AccountId && t.WeChatTemplateId == id, cancellationToken))
        {
            return new(null, [ServiceText.Get("Template.IdTaken", id)]);
        }
        var now = time.GetUtcNow();
        var template = new MessageTemplate { CreatedAt = now, UpdatedAt = now };
        input.ApplyTo(template);
        db.Templates.Add(template);
        await db.SaveChangesAsync(cancellationToken);
        template.Account = account;
        await RecordAsync(template, Audit.AuditAction.Created);
        return new(template, []);
    }

    public async Task<Result> UpdateAsync(int id, TemplateInput input, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var template = await db.Templates.SingleOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (template is null)
        {
            return new(null, [ServiceText.Get("Template.Missing")]);
        }
        var account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == input.AccountId, cancellationToken);
        var errors = Validate(input, account);
        if (errors.Count > 0)
        {
            return new(null, errors);
        }
        var weChatId = input.WeChatTemplateId.Trim();
        if (await db.Templates.AnyAsync(t => t.AccountId == input.AccountId && t.WeChatTemplateId == weChatId && t.Id != id, cancellationToken))
        {
            return new(null, [ServiceText.Get("Template.IdTaken", weChatId)]);
        }
        input.ApplyTo(template);
        template.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        template.Account = account;
        await RecordAsync(template, Audit.AuditAction.Updated);
        return new(template, []);
    }

    public async Task<bool> SetEnabledAsync(int id, bool enabled, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        var changed = await db.Templates.Where(t => t.Id == id)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.Enabled, enabled).SetProperty(t => t.UpdatedAt, now), cancellationToken) == 1;
        if (changed && await db.Templates.AsNoTracking().SingleOrDefaultAsync(t => t.Id == id, cancellationToken) is { } template)
        {
            await RecordAsync(template, enabled ? Audit.AuditAction.Enabled : Audit.AuditAction.Disabled);
        }
        return changed;
    }

    private Task RecordAsync(MessageTemplate template, Audit.AuditAction action) =>
        audit.RecordAsync(Audit.AuditSubject.Template, action, template.Id.ToString(), $"{template.Title} ({template.WeChatTemplateId})", template.AccountId);

    public async Task<bool> DeleteAsync(int id, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        // The template's grants go with it and its channels lose it, in one transaction (see the foreign keys in
        // CredentialConfiguration and ChannelConfiguration for why the database does not do this).
        var template = await db.Templates.AsNoTracking().SingleOrDefaultAsync(t => t.Id == id, cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await Credentials.TallyWriter.ChangeAsync(db, c => c.TemplateId == id, rows => rows.ExecuteDeleteAsync(cancellationToken), cancellationToken);
        await db.Channels.Where(c => c.TemplateId == id).ExecuteUpdateAsync(s => s.SetProperty(c => c.TemplateId, (int?)null), cancellationToken);
        var deleted = await db.Templates.Where(t => t.Id == id).ExecuteDeleteAsync(cancellationToken) == 1;
        await transaction.CommitAsync(cancellationToken);
        if (deleted && template is not null)
        {
            await RecordAsync(template, Audit.AuditAction.Deleted);
        }
        return deleted;
    }

    /// <summary>
    /// What is wrong with the input as a template of <paramref name="account"/>: structure only (kind, ids, content,
    /// placeholders, jump targets). Value rules (47003, truncation) depend on each recipient and are the preview's job.
    /// </summary>
    public static IReadOnlyList<string> Validate(TemplateInput input, WeChatAccount? account)
    {
        var errors = new List<string>();
        if (account is null)
        {
            errors.Add(ServiceText.Get("Template.ChooseAccount"));
        }
        else if (!KindsOf(account.Kind).Contains(input.Kind))
        {
            errors.Add(ServiceText.Get(account.Kind == AccountKind.OfficialAccount ? "Template.KindNotForOfficialAccount" : "Template.KindNotForMiniProgram",
                input.Kind));
        }
        if (!Enum.IsDefined(input.Kind))
        {
            errors.Add(ServiceText.Get("Template.ChooseKind"));
        }
        var weChatId = input.WeChatTemplateId?.Trim() ?? "";
        if (weChatId.Length is 0 or > 128 || weChatId.Any(char.IsWhiteSpace))
        {
            errors.Add(ServiceText.Get("Template.IdRequired"));
        }
        if (string.IsNullOrWhiteSpace(input.Title) || input.Title.Trim().Length > 200)
        {
            errors.Add(ServiceText.Get("Template.TitleRequired"));
        }
        var parsed = TemplateContentParser.Parse(input.Content);
        if ((input.Content ?? "").Length > 2000)
        {
            errors.Add(ServiceText.Get("Template.ContentTooLong"));
        }
        if (parsed.Count == 0)
        {
            errors.Add(ServiceText.Get("Template.NoFields"));
        }
        var keys = parsed.Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var group in (input.Fields ?? []).GroupBy(f => f.Key?.Trim() ?? "", StringComparer.Ordinal))
        {
            if (!keys.Contains(group.Key))
            {
                errors.Add(ServiceText.Get("Template.FieldNotInContent", group.Key));
                continue;
            }
            if (group.Count() > 1)
            {
                errors.Add(ServiceText.Get("Template.FieldTwice", group.Key));
            }
            var field = group.First();
            foreach (var error in ValueExpression.Parse(field.ValueExpression).Errors)
            {
                errors.Add($"{group.Key}: {error}");
            }
            if (!string.IsNullOrWhiteSpace(field.Color) && !ColorPattern().IsMatch(field.Color.Trim()))
            {
                errors.Add(ServiceText.Get("Template.Colour", group.Key));
            }
        }
        ValidateJump(input, keys, errors);
        return errors;
    }

    /// <summary>The template kinds an account of this kind can send.</summary>
    public static IReadOnlyList<TemplateKind> KindsOf(AccountKind kind) => kind == AccountKind.OfficialAccount
        ? [TemplateKind.OfficialAccountTemplate]
        : [TemplateKind.Subscribe, TemplateKind.MiniProgramTemplate];

    private static void ValidateJump(TemplateInput input, HashSet<string> keys, List<string> errors)
    {
        if (input.Kind != TemplateKind.OfficialAccountTemplate && !string.IsNullOrWhiteSpace(input.Page))
        {
            var page = input.Page.Trim();
            // WeChat answered 41030 to pages written with a leading slash (wechat-api.md §3.1).
            if (page.StartsWith('/'))
            {
                errors.Add(ServiceText.Get("Template.PageSlash"));
            }
            if (page.Length > 500 || page.Any(char.IsWhiteSpace))
            {
                errors.Add(ServiceText.Get("Template.PageSpaces"));
            }
        }
        if (input.Kind == TemplateKind.OfficialAccountTemplate)
        {
            if (!string.IsNullOrWhiteSpace(input.Url) &&
                !(Uri.TryCreate(input.Url.Trim(), UriKind.Absolute, out var url) && url.Scheme is "http" or "https"))
            {
                errors.Add(ServiceText.Get("Template.UrlAbsolute"));
            }
            if (string.IsNullOrWhiteSpace(input.MiniProgramAppId) != string.IsNullOrWhiteSpace(input.MiniProgramPagePath))
            {
                errors.Add(ServiceText.Get("Template.JumpBoth"));
            }
            if (!string.IsNullOrWhiteSpace(input.MiniProgramPagePath) && input.MiniProgramPagePath.Trim().StartsWith('/'))
            {
                errors.Add(ServiceText.Get("Template.JumpSlash"));
            }
        }
        if (input.Kind == TemplateKind.MiniProgramTemplate && TemplateInput.NormalizeEmphasis(input.EmphasisKeyword) is { } emphasis &&
            !keys.Contains(emphasis[..^".DATA".Length]))
        {
            errors.Add(ServiceText.Get("Template.Emphasis", emphasis));
        }
        if (input.Kind == TemplateKind.Subscribe)
        {
            if (!string.IsNullOrWhiteSpace(input.MiniProgramState) && !MiniProgramStates.Contains(input.MiniProgramState.Trim()))
            {
                errors.Add(ServiceText.Get("Template.State"));
            }
            if (!string.IsNullOrWhiteSpace(input.Lang) && !Languages.Contains(input.Lang.Trim()))
            {
                errors.Add(ServiceText.Get("Template.Language"));
            }
        }
    }

    [GeneratedRegex("^#[0-9A-Fa-f]{6}$")]
    private static partial Regex ColorPattern();
}
