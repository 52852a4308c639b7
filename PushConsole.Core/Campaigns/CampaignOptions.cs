namespace PushConsole.Campaigns;

/// <summary>The <c>Campaigns</c> section: how runs are executed (campaign runs and channel reminders alike).</summary>
public sealed class CampaignOptions
{
    public const string Section = "Campaigns";

    /// <summary>Most ledger rows taken, claimed and written per statement.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>Most sends in flight at once per run (the account's rate limit applies on top).</summary>
    public int MaxConcurrency { get; set; } = 64;

    /// <summary>How often a running run looks at its row for pause and cancel (a same-node change is seen at once).</summary>
    public TimeSpan StatusPollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Longest an outcome waits in memory before it is written to the ledger.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// A row in Sending longer than this belongs to a sender that died, and is sent again (with its credential, and for
    /// official accounts its client_msg_id). Must exceed the longest send with the client's retries.
    /// </summary>
    public TimeSpan AbandonedAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Takes of one row before a transient failure counts as final.</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>Credentials tried per recipient when WeChat refuses them (41028/41029) before the row fails.</summary>
    public int MaxCredentialTries { get; set; } = 3;

    /// <summary>How long a run waits after WeChat's per-minute limit (45011).</summary>
    public TimeSpan MinuteLimitBackoff { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// In a cluster, nodes join the runs other nodes are executing (taking Pending rows, which only the taker sends), so
    /// one campaign run's batches spread over the nodes. Off: a run executes on the node its Quartz job fired on.
    /// </summary>
    public bool HelpRunsOfOtherNodes { get; set; } = true;

    /// <summary>
    /// Set from <c>Scheduler:Clustered</c>: other nodes may execute the same run at the same time, so a user whose
    /// credential another sender holds for a moment is tried again later (up to <see cref="MaxAttempts"/> takes)
    /// instead of being skipped for having none.
    /// </summary>
    internal bool SharedRuns { get; set; }

    /// <summary>How often a node of a cluster looks for runs under way it could help with.</summary>
    public TimeSpan HelperPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Attempts of one user/get page (an audience of followers) before the run fails.</summary>
    public int MaxPageAttempts { get; set; } = 5;

    /// <summary>Wait before the next attempt of a user/get page, times the attempt.</summary>
    public TimeSpan PageRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    public void Validate()
    {
        if (BatchSize is < 1 or > 5000)
        {
            throw new ConfigurationException("Campaigns:BatchSize must be between 1 and 5000.");
        }
        if (MaxConcurrency is < 1 or > 4096)
        {
            throw new ConfigurationException("Campaigns:MaxConcurrency must be between 1 and 4096.");
        }
        if (StatusPollInterval < TimeSpan.FromMilliseconds(10) || StatusPollInterval > TimeSpan.FromSeconds(1))
        {
            throw new ConfigurationException("Campaigns:StatusPollInterval must be between 10 ms and 1 s (pause takes effect within a second).");
        }
        if (FlushInterval < TimeSpan.FromMilliseconds(1) || FlushInterval > TimeSpan.FromSeconds(5))
        {
            throw new ConfigurationException("Campaigns:FlushInterval must be between 1 ms and 5 s.");
        }
        if (AbandonedAfter < TimeSpan.FromSeconds(1))
        {
            throw new ConfigurationException("Campaigns:AbandonedAfter must be at least one second.");
        }
        if (MaxPageAttempts < 1 || PageRetryDelay < TimeSpan.Zero)
        {
            throw new ConfigurationException("Campaigns:MaxPageAttempts must be at least 1 and Campaigns:PageRetryDelay not negative.");
        }
        if (MaxAttempts < 1 || MaxCredentialTries < 1)
        {
            throw new ConfigurationException("Campaigns:MaxAttempts and Campaigns:MaxCredentialTries must be at least 1.");
        }
    }
}
