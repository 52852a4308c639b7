namespace PushConsole.Credentials;

/// <summary>
/// What an account can push right now, every figure counted from the credential and user rows in one snapshot.
/// "Usable" means available with uses left and not past its expiry (whether or not the sweep has run).
/// </summary>
public sealed record Inventory(
    int AccountId,
    DateTimeOffset AsOf,
    /// <summary>The account's time zone, in which the daily series are cut into days.</summary>
    string TimeZone,
    /// <summary>Users who have logged in through the mini program endpoint.</summary>
    int KnownUsers,
    /// <summary>Users with at least one usable credential.</summary>
    int ReachableUsers,
    IReadOnlyList<KindInventory> Available,
    IReadOnlyList<TemplateGrants> GrantsByTemplate,
    /// <summary>Usable credentials expiring within the next 24 hours.</summary>
    int ExpiringWithin24Hours,
    /// <summary>Usable credentials expiring within the next 48 hours (includes the 24-hour figure).</summary>
    int ExpiringWithin48Hours,
    UserDistribution Distribution,
    /// <summary>The last 14 days, oldest first, today last.</summary>
    IReadOnlyList<DailyFlow> Daily,
    IReadOnlyList<UserCredentials> TopUsers);

/// <summary>Usable credentials of one kind and the sends they allow (a prepay_id allows up to 3).</summary>
public sealed record KindInventory(CredentialKind Kind, int Credentials, int Uses);

public sealed record TemplateGrants(int TemplateId, string WeChatTemplateId, string Title, int Grants);

/// <summary>
/// Users by their number of usable credentials. <see cref="None"/> counts known (logged-in) users without any; the
/// other buckets count every user holding credentials.
/// </summary>
public sealed record UserDistribution(int None, int One, int TwoToFive, int SixToTen, int MoreThanTen);

/// <summary>One local day: credentials received, and credentials that expired unused.</summary>
public sealed record DailyFlow(DateOnly Date, int Inflow, int Expired);

public sealed record UserCredentials(string OpenId, int Credentials);
