using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PushConsole.Accounts;
using PushConsole.Persistence;
using PushConsole.Templates;
using PushConsole.WeChat;

namespace PushConsole.Messages;

/// <summary>
/// POST /api/v1/messages as the caller sends it. <see cref="Account"/> is the console's account id or the AppID;
/// <see cref="Template"/> the console's template id or WeChat's template id; <see cref="Data"/> maps each field key
/// to its text or to <c>{"value": …, "color": …}</c>. Page (mini program) or url and miniprogram (official account)
/// replace the template's own.
/// </summary>
public sealed record MessageRequest(
    JsonElement? Account,
    string? OpenId,
    JsonElement? Template,
    JsonElement? Data,
    string? Page = null,
    string? Url = null,
    MessageMiniProgram? MiniProgram = null);

public sealed record MessageMiniProgram(string? AppId, string? PagePath);

/// <summary>A request found valid: the account, the template and what to send, and its fingerprint.</summary>
public sealed record MessageDraft(WeChatAccount Account, MessageTemplate Template, string OpenId, MessagePayload Payload)
{
    /// <summary>SHA-256 of what the request asks for: the same key with another request is refused.</summary>
    public string Hash { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
        $"{Account.Id}\n{Template.Id}\n{OpenId}\n{Payload.ToJson()}")));
}

/// <summary>
/// Checks a <see cref="MessageRequest"/>; each problem is named by its field ("data.thing1", "openid"). The account and
/// template a request names are kept for <see cref="MessageOptions.LookupCacheTime"/> once found (and the template
/// enabled), so a crowd of messages to one template reads them once, not once per message.
/// </summary>
public sealed class MessageRequestValidator(IDbContextFactory<PushConsoleDbContext> contexts, IOptions<MessageOptions> options, TimeProvider time)
{
    public const int MaxOpenIdLength = 128;
    public const int MaxLinkLength = 1024;

    // Keyed by the request's account and template as written (a number is an id, a string an AppID / WeChat id). The
    // entities are read without tracking and never changed, so requests may share them.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Account, string Template), Lookup> lookups = new();
    private const int MaxLookups = 10_000;

    private sealed record Lookup(WeChatAccount Account, MessageTemplate Template, DateTimeOffset Until);

    public async Task<(MessageDraft? Draft, IReadOnlyDictionary<string, string> Errors)> ValidateAsync(MessageRequest? request,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        if (request is null)
        {
            errors["body"] = ServiceText.Get("MessageRequest.Body");
            return (null, errors);
        }
        var (account, template) = await FindAsync(request, errors, cancellationToken);
        var openId = request.OpenId?.Trim();
        if (string.IsNullOrEmpty(openId))
        {
            errors["openid"] = ServiceText.Get("MessageRequest.OpenIdMissing");
        }
        else if (openId.Length > MaxOpenIdLength || openId.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            errors["openid"] = ServiceText.Get("MessageRequest.OpenIdInvalid", MaxOpenIdLength);
        }
        if (template is null)
        {
            if (account is null && request.Template is null)
            {
                errors["template"] = ServiceText.Get("MessageRequest.TemplateMissing");
            }
            return (null, errors);
        }
        var data = ReadData(template, request.Data, errors);
        var page = Link(request.Page, "page", errors);
        var url = Link(request.Url, "url", errors);
        MiniProgramLink? miniProgram = null;
        if (template.Kind == TemplateKind.OfficialAccountTemplate)
        {
            if (page is not null)
            {
                errors["page"] = ServiceText.Get("MessageRequest.PageOnOfficialAccount");
            }
            if (request.MiniProgram is { } link)
            {
                if (string.IsNullOrWhiteSpace(link.AppId) || string.IsNullOrWhiteSpace(link.PagePath))
                {
                    errors["miniprogram"] = ServiceText.Get("MessageRequest.MiniProgramIncomplete");
                }
                else
                {
                    miniProgram = new MiniProgramLink(link.AppId.Trim(), link.PagePath.Trim());
                }
            }
            url ??= Blank(template.Url);
            miniProgram ??= Blank(template.MiniProgramAppId) is { } appId && Blank(template.MiniProgramPagePath) is { } path
                ? new MiniProgramLink(appId, path) : null;
        }
        else
        {
            if (url is not null)
            {
                errors["url"] = ServiceText.Get("MessageRequest.LinkOnMiniProgram");
            }
            if (request.MiniProgram is not null)
            {
                errors["miniprogram"] = ServiceText.Get("MessageRequest.LinkOnMiniProgram");
            }
            page ??= Blank(template.Page);
        }
        if (errors.Count > 0 || data is null || openId is null)
        {
            return (null, errors);
        }
        return (new MessageDraft(account!, template, openId, new MessagePayload(data, page, url, miniProgram)), errors);
    }

    /// <summary>The account and template the request names, from the lookups kept or else read (and then kept).</summary>
    private async Task<(WeChatAccount? Account, MessageTemplate? Template)> FindAsync(MessageRequest request, Dictionary<string, string> errors,
        CancellationToken cancellationToken)
    {
        var keep = options.Value.LookupCacheTime;
        var now = time.GetUtcNow();
        (string, string)? key = keep > TimeSpan.Zero && request is
        {
            Account: { ValueKind: JsonValueKind.Number or JsonValueKind.String } account,
            Template: { ValueKind: JsonValueKind.Number or JsonValueKind.String } template,
        } ? (account.GetRawText(), template.GetRawText()) : null;
        if (key is { } known && lookups.TryGetValue(known, out var kept) && kept.Until > now)
        {
            return (kept.Account, kept.Template);
        }
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var found = await FindAccountAsync(db, request.Account, errors, cancellationToken);
        var named = found is null ? null : await FindTemplateAsync(db, found, request.Template, errors, cancellationToken);
        if (key is { } fresh && found is not null && named is not null)
        {
            if (lookups.Count >= MaxLookups)
            {
                // Callers naming ever new ids cannot grow it without bound: start again.
                lookups.Clear();
            }
            lookups[fresh] = new Lookup(found, named, now + keep);
        }
        return (found, named);
    }

    private static async Task<WeChatAccount?> FindAccountAsync(PushConsoleDbContext db, JsonElement? given, Dictionary<string, string> errors,
        CancellationToken cancellationToken)
    {
        WeChatAccount? account = null;
        switch (given)
        {
            case { ValueKind: JsonValueKind.Number } number when number.TryGetInt32(out var id):
                account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, cancellationToken);
                break;
            case { ValueKind: JsonValueKind.String } text when !string.IsNullOrWhiteSpace(text.GetString()):
                var appId = text.GetString()!.Trim();
                account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.AppId == appId, cancellationToken);
                break;
            case null or { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined }:
                errors["account"] = ServiceText.Get("MessageRequest.AccountMissing");
                return null;
            default:
                errors["account"] = ServiceText.Get("MessageRequest.AccountType");
                return null;
        }
        if (account is null)
        {
            errors["account"] = ServiceText.Get("MessageRequest.NoAccount");
        }
        return account;
    }

    private static async Task<MessageTemplate?> FindTemplateAsync(PushConsoleDbContext db, WeChatAccount account, JsonElement? given,
        Dictionary<string, string> errors, CancellationToken cancellationToken)
    {
        MessageTemplate? template;
        switch (given)
        {
            case { ValueKind: JsonValueKind.Number } number when number.TryGetInt32(out var id):
                template = await db.Templates.AsNoTracking().SingleOrDefaultAsync(t => t.Id == id && t.AccountId == account.Id, cancellationToken);
                break;
            case { ValueKind: JsonValueKind.String } text when !string.IsNullOrWhiteSpace(text.GetString()):
                var weChatId = text.GetString()!.Trim();
                template = await db.Templates.AsNoTracking().Where(t => t.AccountId == account.Id && t.WeChatTemplateId == weChatId)
                    .OrderByDescending(t => t.Enabled).ThenBy(t => t.Id).FirstOrDefaultAsync(cancellationToken);
                break;
            case null or { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined }:
                errors["template"] = ServiceText.Get("MessageRequest.TemplateMissing");
                return null;
            default:
                errors["template"] = ServiceText.Get("MessageRequest.TemplateType");
                return null;
        }
        if (template is null)
        {
            errors["template"] = ServiceText.Get("MessageRequest.NoTemplate", account.Name);
            return null;
        }
        if (!template.Enabled)
        {
            errors["template"] = ServiceText.Get("MessageRequest.TemplateDisabled", template.Title);
            return null;
        }
        return template;
    }

    /// <summary>The data object, every key a field of the template and every value within WeChat's rule for it.</summary>
    private static Dictionary<string, TemplateValue>? ReadData(MessageTemplate template, JsonElement? given, Dictionary<string, string> errors)
    {
        if (given is not { ValueKind: JsonValueKind.Object } data)
        {
            errors["data"] = given is null or { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined }
                ? ServiceText.Get("MessageRequest.DataMissing", string.Join(", ", template.Fields.Select(f => f.Key)))
                : ServiceText.Get("MessageRequest.DataType");
            return null;
        }
        var fields = template.Fields.ToDictionary(f => f.Key, StringComparer.Ordinal);
        var values = new Dictionary<string, TemplateValue>(StringComparer.Ordinal);
        var ok = true;
        foreach (var property in data.EnumerateObject())
        {
            var name = $"data.{property.Name}";
            if (fields.Count > 0 && !fields.ContainsKey(property.Name))
            {
                errors[name] = ServiceText.Get("MessageRequest.NotAField", template.Title, string.Join(", ", fields.Keys));
                ok = false;
                continue;
            }
            switch (property.Value)
            {
                case { ValueKind: JsonValueKind.String } text:
                    values[property.Name] = new TemplateValue(text.GetString()!, null);
                    break;
                case { ValueKind: JsonValueKind.Object } value when value.TryGetProperty("value", out var inner) && inner.ValueKind == JsonValueKind.String:
                    var color = value.TryGetProperty("color", out var c) && c.ValueKind == JsonValueKind.String ? Blank(c.GetString()) : null;
                    values[property.Name] = new TemplateValue(inner.GetString()!, template.Kind == TemplateKind.Subscribe ? null : color);
                    break;
                default:
                    errors[name] = ServiceText.Get("MessageRequest.ValueType");
                    ok = false;
                    continue;
            }
        }
        foreach (var field in template.Fields)
        {
            var value = values.TryGetValue(field.Key, out var given1) ? given1.Value : null;
            if (value is null && template.Kind != TemplateKind.Subscribe)
            {
                // Official account and legacy templates show a field left out as empty; WeChat takes it.
                continue;
            }
            if (TemplateValueRules.Check(template.Kind, field.Key, value, field.EnumValues) is { IsError: true } issue)
            {
                errors[$"data.{field.Key}"] = value is null ? ServiceText.Get("MessageRequest.ValueMissing") : issue.ToString();
                ok = false;
            }
        }
        return ok ? values : null;
    }

    private static string? Link(string? value, string field, Dictionary<string, string> errors)
    {
        var link = Blank(value);
        if (link is { Length: > MaxLinkLength })
        {
            errors[field] = ServiceText.Get("MessageRequest.LinkTooLong", MaxLinkLength);
            return null;
        }
        return link;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
