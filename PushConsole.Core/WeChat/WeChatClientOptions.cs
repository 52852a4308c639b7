namespace PushConsole.WeChat;

/// <summary>The <c>WeChat</c> section: timeouts, retries and token coordination of the WeChat client.</summary>
public sealed class WeChatClientOptions
{
    public const string Section = "WeChat";

    /// <summary>Longest wait for one HTTP call to WeChat before it counts as a transient failure.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries after a transient failure (-1, HTTP 5xx, timeout, network); 0 disables retrying.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>First retry delay; later ones grow exponentially, with jitter so nodes do not retry in step.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Concurrent connections per WeChat host; the send path keeps many requests in flight.</summary>
    public int MaxConnectionsPerServer { get; set; } = 1024;

    /// <summary>
    /// How long before expiry a token is refreshed (at most a fifth of its lifetime, so short-lived tokens are not
    /// refreshed constantly). WeChat keeps the old token valid for 5 minutes after a new one is issued.
    /// </summary>
    public TimeSpan TokenRefreshAhead { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a node may hold the database lease on an app's token while it fetches one.</summary>
    public TimeSpan TokenLeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a node waiting for another node's token looks at the database.</summary>
    public TimeSpan TokenPollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long a caller waits for a token (its own fetch or another node's) before giving up as transient.</summary>
    public TimeSpan TokenWaitTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long a configuration or quota failure of the token endpoint is remembered, so thousands of sends do not
    /// each ask WeChat with a wrong secret.
    /// </summary>
    public TimeSpan TokenFailureHold { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Checks the <c>WeChat</c> section at start-up; each failure names its key.</summary>
internal sealed class WeChatClientOptionsValidator : IValidateOptions<WeChatClientOptions>
{
    public ValidateOptionsResult Validate(string? name, WeChatClientOptions o)
    {
        var failures = new List<string>();
        void Between(string key, TimeSpan value, TimeSpan min, TimeSpan max)
        {
            if (value < min || value > max)
            {
                failures.Add($"{WeChatClientOptions.Section}:{key} is {value}; it must be between {min} and {max}.");
            }
        }

        Between(nameof(o.AttemptTimeout), o.AttemptTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        if (o.MaxRetries is < 0 or > 10)
        {
            failures.Add($"{WeChatClientOptions.Section}:{nameof(o.MaxRetries)} is {o.MaxRetries}; it must be between 0 and 10.");
        }
        Between(nameof(o.RetryBaseDelay), o.RetryBaseDelay, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        Between(nameof(o.RetryMaxDelay), o.RetryMaxDelay, o.RetryBaseDelay, TimeSpan.FromMinutes(5));
        if (o.MaxConnectionsPerServer is < 1 or > 65_535)
        {
            failures.Add($"{WeChatClientOptions.Section}:{nameof(o.MaxConnectionsPerServer)} is {o.MaxConnectionsPerServer}; it must be between 1 and 65535.");
        }
        Between(nameof(o.TokenRefreshAhead), o.TokenRefreshAhead, TimeSpan.Zero, TimeSpan.FromMinutes(30));
        // The lease must outlast the fetch it protects, or a second node would fetch while the first still waits.
        Between(nameof(o.TokenLeaseDuration), o.TokenLeaseDuration, o.AttemptTimeout + TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
        Between(nameof(o.TokenPollInterval), o.TokenPollInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(10));
        Between(nameof(o.TokenWaitTimeout), o.TokenWaitTimeout, o.TokenLeaseDuration, TimeSpan.FromMinutes(30));
        Between(nameof(o.TokenFailureHold), o.TokenFailureHold, TimeSpan.Zero, TimeSpan.FromMinutes(10));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
