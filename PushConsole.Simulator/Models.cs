namespace PushConsole.Simulator;

/// <summary>Create/update an app. Null members keep their current value on update.</summary>
public sealed class AppSpec
{
    public string AppId { get; set; } = "";
    public string? Secret { get; set; }
    /// <summary><c>miniprogram</c> or <c>officialaccount</c>.</summary>
    public string? Kind { get; set; }
    /// <summary>Token lifetime (expires_in) of this app; null = simulator default.</summary>
    public int? TokenLifetimeSeconds { get; set; }
    public string? Name { get; set; }
    /// <summary>Released pages of a mini program; when set, page/pagepath must be one of them (41030 / 40165).</summary>
    public List<string>? Pages { get; set; }
    /// <summary>Daily quota per API short name; null value = unlimited. Merged into existing overrides.</summary>
    public Dictionary<string, long?>? Quotas { get; set; }
    /// <summary>
    /// Official accounts: the mini programs bound to the account (the only ones its template messages may open; others
    /// answer 40013). Replaces the current list when set.
    /// </summary>
    public List<string>? MiniPrograms { get; set; }
}

public sealed record AppInfo(
    string AppId,
    string Secret,
    string Kind,
    int TokenLifetimeSeconds,
    string? Name,
    IReadOnlyList<string>? Pages,
    IReadOnlyDictionary<string, long?> Quotas,
    int GeneratedUsers,
    int Followers,
    int Templates,
    long Delivered,
    IReadOnlyList<string> MiniPrograms);

/// <summary>Define a template. Null id → one is generated.</summary>
public sealed class TemplateSpec
{
    public string? TemplateId { get; set; }
    public string Title { get; set; } = "";
    /// <summary>Content with <c>{{key.DATA}}</c> placeholders.</summary>
    public string Content { get; set; } = "";
    /// <summary><c>subscribe</c>, <c>legacy</c> or <c>official</c>; default by app kind (MP → subscribe, OA → official).</summary>
    public string? Kind { get; set; }
    /// <summary>Subscribe: 2 = one-time (default), 3 = long-term.</summary>
    public int? Type { get; set; }
    public string? Example { get; set; }
    /// <summary>Allowed values per key, e.g. <c>{"enum_string2":["A","B"]}</c> or <c>const</c> keys.</summary>
    public Dictionary<string, string[]>? Enums { get; set; }
    public string? PrimaryIndustry { get; set; }
    public string? DeputyIndustry { get; set; }
}

public sealed record TemplateInfo(
    string TemplateId,
    string Title,
    string Content,
    string Kind,
    int Type,
    string Example,
    IReadOnlyList<string> Keys,
    IReadOnlyDictionary<string, string[]> Enums);

public sealed record InboxMessage(
    long MsgId,
    string OpenId,
    DateTimeOffset Time,
    string Api,
    string TemplateId,
    IReadOnlyDictionary<string, string> Data,
    string? Page,
    string? Url,
    string? MiniProgramAppId,
    string? MiniProgramPagePath,
    string? FormId,
    string? Rendered);

public sealed record DeliveryCounts(
    string AppId,
    long Total,
    IReadOnlyDictionary<string, long> ByApi,
    int DistinctRecipients,
    string? TemplateId,
    long? TemplateTotal,
    int? TemplateRecipients,
    int? RecipientsWithDuplicates);

public sealed record ApiCounter(long Calls, long Ok, long Issued, IReadOnlyDictionary<string, long> Errors);

public sealed record FollowerSummary(
    string AppId,
    int Total,
    int Generated,
    int UnfollowedGenerated,
    IReadOnlyList<string> Named,
    string? FirstGeneratedOpenId,
    string? LastGeneratedOpenId);

public sealed record FaultInfo(string Id, FaultSpec Spec, long Hits, int? Remaining);

public sealed record TokenState(string? AccessToken, int? ExpiresIn, string? StableToken, int? StableExpiresIn);

/// <summary>Thrown by control operations for bad input (400) or unknown things (404).</summary>
public sealed class SimulatorException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
