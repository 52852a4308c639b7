namespace PushConsole.Messages;

/// <summary>Transactional messages (section "Messages").</summary>
public sealed class MessageOptions
{
    public const string Section = "Messages";

    /// <summary>How long an Idempotency-Key answers with its first message.</summary>
    public TimeSpan IdempotencyWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The longest <c>?wait=</c> a caller may ask for.</summary>
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a node looks for messages whose sender stopped (a node that died, a run held by WeChat's limits).</summary>
    public TimeSpan RecoveryInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A message this old and still unsent is taken over by the recovery of any node.</summary>
    public TimeSpan RecoverAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Executions of the send engine a node runs at once per account for messages recorded on it, each taking everything
    /// waiting (see <c>TransactionalMessages.SendLane</c>): while one batch is sent the next gathers. One measured best
    /// (bigger batches, less CPU per message: docs/performance.md); more let batches overlap their commits.
    /// </summary>
    public int SendersPerAccount { get; set; } = 1;

    /// <summary>How long an outcome callback is retried before it is given up.</summary>
    public TimeSpan CallbackWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often a node looks for callbacks due (retries, and callbacks recorded on other nodes).</summary>
    public TimeSpan CallbackPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the receiver has to answer one callback.</summary>
    public TimeSpan CallbackTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
