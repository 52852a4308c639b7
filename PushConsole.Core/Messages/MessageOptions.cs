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

    /// <summary>
    /// How long a node keeps an account and template a message named (found, and the template enabled) before it reads
    /// them again: a crowd of messages then costs no lookup each. A template disabled or an account changed reaches
    /// messages within this time. Zero reads them for every message.
    /// </summary>
    public TimeSpan LookupCacheTime { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long an outcome callback is retried before it is given up.</summary>
    public TimeSpan CallbackWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often a node looks for callbacks due (retries, and callbacks recorded on other nodes).</summary>
    public TimeSpan CallbackPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the receiver has to answer one callback.</summary>
    public TimeSpan CallbackTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Checks the <c>Messages</c> section at start-up; each failure names its key.</summary>
internal sealed class MessageOptionsValidator : IValidateOptions<MessageOptions>
{
    public ValidateOptionsResult Validate(string? name, MessageOptions o)
    {
        var failures = new List<string>();
        void Between<T>(string key, T value, T min, T max) where T : IComparable<T>
        {
            if (value.CompareTo(min) < 0 || value.CompareTo(max) > 0)
            {
                failures.Add($"{MessageOptions.Section}:{key} is {value}; it must be between {min} and {max}.");
            }
        }

        var tick = TimeSpan.FromMilliseconds(1);
        Between(nameof(o.IdempotencyWindow), o.IdempotencyWindow, tick, TimeSpan.FromDays(30));
        Between(nameof(o.MaxWait), o.MaxWait, TimeSpan.Zero, TimeSpan.FromMinutes(10));
        Between(nameof(o.RecoveryInterval), o.RecoveryInterval, tick, TimeSpan.FromDays(1));
        Between(nameof(o.RecoverAfter), o.RecoverAfter, TimeSpan.Zero, TimeSpan.FromDays(1));
        Between(nameof(o.SendersPerAccount), o.SendersPerAccount, 1, 64);
        Between(nameof(o.LookupCacheTime), o.LookupCacheTime, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        Between(nameof(o.CallbackWindow), o.CallbackWindow, tick, TimeSpan.FromDays(30));
        Between(nameof(o.CallbackPollInterval), o.CallbackPollInterval, tick, TimeSpan.FromDays(1));
        Between(nameof(o.CallbackTimeout), o.CallbackTimeout, tick, TimeSpan.FromMinutes(10));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
