using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using PushConsole.Accounts;

namespace PushConsole.WeChat;

/// <summary>
/// One token bucket per account, shared by every job of this node, holding sends to the account's
/// <see cref="WeChatAccount.SendRatePerSecond"/>. A changed rate replaces the bucket on the next send.
/// In a cluster each node holds its <see cref="SendRateShare"/> of the rate (rate / live nodes), so together the nodes
/// stay within the account's rate.
/// </summary>
internal sealed class SendRateLimiters(SendRateShare share) : IDisposable
{
    private readonly ConcurrentDictionary<int, Bucket> buckets = new();
    private readonly Lock gate = new();

    /// <summary>Waits for the account's next send permit.</summary>
    public async ValueTask AcquireAsync(WeChatAccount account, CancellationToken cancellationToken)
    {
        var rate = share.ShareOf(account.SendRatePerSecond);
        while (true)
        {
            var bucket = BucketFor(account.Id, rate);
            try
            {
                using var lease = await bucket.Limiter.AcquireAsync(1, cancellationToken);
                if (lease.IsAcquired)
                {
                    return;
                }
            }
            catch (ObjectDisposedException)
            {
                // The rate changed while we waited: queue on the new bucket.
            }
        }
    }

    private Bucket BucketFor(int accountId, int rate)
    {
        if (buckets.TryGetValue(accountId, out var bucket) && bucket.Rate == rate)
        {
            return bucket;
        }
        lock (gate)
        {
            if (buckets.TryGetValue(accountId, out bucket) && bucket.Rate == rate)
            {
                return bucket;
            }
            var replacement = new Bucket(rate);
            buckets[accountId] = replacement;
            // Waiters on the old bucket get a failed lease and queue again on the new one.
            bucket?.Limiter.Dispose();
            return replacement;
        }
    }

    public void Dispose()
    {
        foreach (var bucket in buckets.Values)
        {
            bucket.Limiter.Dispose();
        }
    }

    private sealed class Bucket
    {
        public Bucket(int rate)
        {
            Rate = rate;
            // Refill about ten times a second with a whole number of permits, so the rate is exact for any value
            // (15/s refills 2 every 133 ms); the bucket holds one refill, which bounds a burst after idling.
            var perRefill = Math.Max(1, (int)Math.Ceiling(rate / 10.0));
            Limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = perRefill,
                TokensPerPeriod = perRefill,
                ReplenishmentPeriod = TimeSpan.FromSeconds((double)perRefill / rate),
                QueueLimit = int.MaxValue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            });
        }

        public int Rate { get; }
        public TokenBucketRateLimiter Limiter { get; }
    }
}
