using System.Collections.Concurrent;

namespace PushConsole.Sending;

/// <summary>
/// Brief pauses of an account's sending on this node, after WeChat's per-minute limit (45011): every run of the
/// account waits until the pause ends and then continues on its own. Nothing is stored: a pause outlives no process.
/// </summary>
public sealed class AccountPauses(TimeProvider time)
{
    private readonly ConcurrentDictionary<int, long> until = new();

    /// <summary>Pauses the account for <paramref name="duration"/> from now (a longer pause already set stays).</summary>
    public void Pause(int accountId, TimeSpan duration)
    {
        var end = (time.GetUtcNow() + duration).UtcTicks;
        until.AddOrUpdate(accountId, end, (_, current) => Math.Max(current, end));
    }

    /// <summary>How long the account's pause still lasts (zero when it is not paused).</summary>
    public TimeSpan Remaining(int accountId) =>
        until.TryGetValue(accountId, out var end) && end > time.GetUtcNow().UtcTicks
            ? TimeSpan.FromTicks(end - time.GetUtcNow().UtcTicks)
            : TimeSpan.Zero;

    /// <summary>Returns when the account is not paused (at once, usually).</summary>
    public async ValueTask WaitAsync(int accountId, CancellationToken cancellationToken)
    {
        for (var left = Remaining(accountId); left > TimeSpan.Zero; left = Remaining(accountId))
        {
            await Task.Delay(left, time, cancellationToken);
        }
    }
}
