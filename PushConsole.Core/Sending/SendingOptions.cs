namespace PushConsole.Sending;

/// <summary>The <c>Sending</c> section: how runs are executed (every kind of run alike).</summary>
public sealed class SendingOptions
{
    public const string Section = "Sending";

    /// <summary>
    /// Most ledger rows taken, claimed and written per statement (a run takes at most half a second of its account's
    /// rate at once). On SQLite every take, claim and outcome write is a turn of the one writer with a commit of its own,
    /// so the batch decides how many turns a send costs: at 500 the writer was busy most of a campaign and the senders
    /// waited for rows; 2,000 carried a fifth to two thirds more sends a second in back-to-back campaigns, at no more
    /// CPU per send (docs/performance.md, "Campaign").
    /// </summary>
    public int BatchSize { get; set; } = 2000;

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
}

/// <summary>Checks the <c>Sending</c> section at start-up; each failure names its key.</summary>
internal sealed class SendingOptionsValidator : IValidateOptions<SendingOptions>
{
    public ValidateOptionsResult Validate(string? name, SendingOptions o)
    {
        var failures = new List<string>();
        void Between<T>(string key, T value, T min, T max, string? why = null) where T : IComparable<T>
        {
            if (value.CompareTo(min) < 0 || value.CompareTo(max) > 0)
            {
                failures.Add($"{SendingOptions.Section}:{key} is {value}; it must be between {min} and {max}{why}.");
            }
        }

        Between(nameof(o.BatchSize), o.BatchSize, 1, 5000);
        Between(nameof(o.MaxConcurrency), o.MaxConcurrency, 1, 4096);
        Between(nameof(o.StatusPollInterval), o.StatusPollInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(1),
            " (pause takes effect within a second)");
        Between(nameof(o.FlushInterval), o.FlushInterval, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(5));
        Between(nameof(o.AbandonedAfter), o.AbandonedAfter, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        Between(nameof(o.MaxAttempts), o.MaxAttempts, 1, 100);
        Between(nameof(o.MaxCredentialTries), o.MaxCredentialTries, 1, 100);
        Between(nameof(o.MinuteLimitBackoff), o.MinuteLimitBackoff, TimeSpan.Zero, TimeSpan.FromHours(1));
        Between(nameof(o.HelperPollInterval), o.HelperPollInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(10));
        Between(nameof(o.MaxPageAttempts), o.MaxPageAttempts, 1, 100);
        Between(nameof(o.PageRetryDelay), o.PageRetryDelay, TimeSpan.Zero, TimeSpan.FromMinutes(10));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
