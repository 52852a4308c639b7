namespace PushConsole.Channels;

/// <summary>The <c>Channels</c> section: how follower broadcasts use the database and WeChat.</summary>
public sealed class ChannelOptions
{
    public const string Section = "Channels";

    /// <summary>Ledger rows a lane takes (Pending → Sending) and records at once.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>
    /// Take/send/record loops per broadcast on a node. More than one lets the database work of one batch overlap the
    /// sends of another.
    /// </summary>
    public int Lanes { get; set; } = 3;

    /// <summary>Sends in flight per broadcast on a node, over all lanes (the account's rate limit applies on top).</summary>
    public int SendConcurrency { get; set; } = 96;

    /// <summary>Attempts per follower for failures worth retrying (after the WeChat client's own quick retries).</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Pause of a lane after a batch with retryable failures, before it takes more rows.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Pause of the whole broadcast after WeChat's per-minute limit (45011).</summary>
    public TimeSpan RateLimitedPause { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Rows in Sending for longer than this belong to a node that died; they are sent again (with the same
    /// client_msg_id, so WeChat drops a copy it already delivered). A single node requeues its own at start-up.
    /// </summary>
    public TimeSpan AbandonedAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often the worker looks for broadcasts to run or resume (a firing reminder also wakes it).</summary>
    public TimeSpan WorkerPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a running broadcast checks whether it was canceled.</summary>
    public TimeSpan StatusPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Attempts of one user/get page before the broadcast fails.</summary>
    public int MaxPageAttempts { get; set; } = 5;

    /// <summary>Runs broadcasts on this node. Off for a node that should only serve the UI and API.</summary>
    public bool WorkerEnabled { get; set; } = true;
}
