namespace PushConsole.WeChat;

/// <summary>An access token as this node holds it in memory, with the moments it should be refreshed and dropped.</summary>
internal sealed class AccessToken
{
    public AccessToken(string value, long version, DateTimeOffset fetchedAt, DateTimeOffset expiresAt, TimeSpan refreshAhead)
    {
        Value = value;
        Version = version;
        FetchedAt = fetchedAt;
        ExpiresAt = expiresAt;
        var lifetime = expiresAt - fetchedAt;
        // At most a fifth of the lifetime ahead: stable_token may hand out a token with only minutes left, and a
        // test simulator may use ten-second tokens; refreshing "5 minutes ahead" of those would refresh forever.
        RefreshAt = expiresAt - Min(refreshAhead, lifetime / 5);
        // Stop using a token shortly before it expires, so a call does not arrive at WeChat just after.
        UsableUntil = expiresAt - Min(TimeSpan.FromSeconds(5), lifetime / 10);
    }

    public string Value { get; }
    public long Version { get; }
    public DateTimeOffset FetchedAt { get; }
    public DateTimeOffset ExpiresAt { get; }
    public DateTimeOffset RefreshAt { get; }
    public DateTimeOffset UsableUntil { get; }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}

/// <summary>A token or the reason there is none.</summary>
internal readonly record struct TokenResult(AccessToken? Token, WeChatError? Error)
{
    public static TokenResult Failed(WeChatError error) => new(null, error);
}
