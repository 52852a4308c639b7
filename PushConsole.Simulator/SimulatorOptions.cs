namespace PushConsole.Simulator;

/// <summary>Settings of the WeChat simulator. Defaults follow the reference (shared/wechat-api.md).</summary>
public sealed class SimulatorOptions
{
    /// <summary>Lifetime of access tokens of apps that do not set their own (<c>expires_in</c>). Default 7200.</summary>
    public int TokenLifetimeSeconds { get; set; } = 7200;

    /// <summary>How long a superseded <c>cgi-bin/token</c> token keeps working. Default 300 (5 minutes).</summary>
    public int TokenGraceSeconds { get; set; } = 300;

    /// <summary>Retired mode: mini program legacy template sends answer 45103 (as since 2020-01-10). Default off.</summary>
    public bool Retired { get; set; }

    /// <summary>Validity of a login code (wx.login). Default 300 s.</summary>
    public int LoginCodeLifetimeSeconds { get; set; } = 300;

    /// <summary>Validity of formIds and prepay_ids. Default 7 days.</summary>
    public int FormIdLifetimeSeconds { get; set; } = 7 * 24 * 3600;

    /// <summary>Sends allowed by one prepay_id. Default 3.</summary>
    public int PrepayIdUses { get; set; } = 3;

    /// <summary>De-duplication window of <c>client_msg_id</c> on OA template sends. Default 600 s.</summary>
    public int ClientMsgIdWindowSeconds { get; set; } = 600;

    /// <summary>stable_token force_refresh calls per day. Default 20.</summary>
    public int StableForceRefreshPerDay { get; set; } = 20;

    /// <summary>Minimum gap between two effective stable_token force refreshes. Default 30 s.</summary>
    public int StableForceRefreshMinIntervalSeconds { get; set; } = 30;

    /// <summary>stable_token calls per minute per app (45011 beyond). Default 10 000.</summary>
    public int StableTokenPerMinute { get; set; } = 10_000;

    /// <summary>Openids per user/get page. Default 10 000.</summary>
    public int UserGetPageSize { get; set; } = 10_000;

    /// <summary>Largest accepted POST body; larger → 45002. Default 1 MiB.</summary>
    public int MaxBodyBytes { get; set; } = 1 << 20;

    /// <summary>
    /// Default daily quota per account per API; a missing key or null value means unlimited. Prefilled with the
    /// reference's figures (token 2000, stable_token 500 000, OA template send 100 000, subscribe 10 000 000,
    /// legacy template 1 000 000, user/get 500). Apps can override per API (control API <c>quotas</c>).
    /// </summary>
    public Dictionary<SimApi, long?> DailyQuotas { get; } = SimApis.All.ToDictionary(a => a, a => a.DefaultDailyQuota());

    /// <summary>Runs after construction and after every reset, e.g. to create demo apps.</summary>
    public Action<WeChatSimulator>? Seed { get; set; }
}
