using System.Text.RegularExpressions;
using PushConsole.Accounts;
using PushConsole.Templates;

namespace PushConsole.WeChat;

/// <summary>What code2Session answers for a login code. The session key must never reach the mini program.</summary>
public sealed record LoginSession(string OpenId, string SessionKey, string? UnionId);

/// <summary>One page of an official account's followers (cgi-bin/user/get).</summary>
public sealed record FollowerPage(long Total, IReadOnlyList<string> OpenIds, string? NextOpenId)
{
    /// <summary>
    /// Whether another page may follow: WeChat ends the list with an empty next_openid, or (when asked once more)
    /// with count 0 and no data at all.
    /// </summary>
    public bool HasMore => OpenIds.Count > 0 && !string.IsNullOrEmpty(NextOpenId);
}

/// <summary>A template of the account as WeChat lists it.</summary>
public sealed partial record WeChatTemplate(
    TemplateKind Kind,
    string TemplateId,
    string Title,
    string Content,
    string? Example,
    // Subscribe templates: true for long-term (type 3), false for one-time (type 2); null for other kinds.
    bool? LongTerm = null,
    // Subscribe templates: allowed values of enum fields, keyed by field key (e.g. enum_string2).
    IReadOnlyDictionary<string, IReadOnlyList<string>>? EnumValues = null)
{
    /// <summary>The keys of the <c>{{key.DATA}}</c> placeholders in <see cref="Content"/>, in order of appearance.</summary>
    public IReadOnlyList<string> FieldKeys =>
        PlaceholderPattern().Matches(Content).Select(m => m.Groups[1].Value).Distinct().ToList();

    [GeneratedRegex(@"\{\{\s*([A-Za-z_]+[0-9]*)\.DATA\s*\}\}")]
    private static partial Regex PlaceholderPattern();
}

/// <summary>WeChat's answer to a token request made for the Accounts page's "test connection".</summary>
public sealed record ConnectionCheck(TokenMode Mode, TimeSpan ExpiresIn);
