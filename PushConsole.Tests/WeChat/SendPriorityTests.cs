using Microsoft.Extensions.Time.Testing;
using PushConsole.Accounts;
using PushConsole.WeChat;

namespace PushConsole.Tests.WeChat;

/// <summary>The urgent lane of the per-account send rate (transactional messages ahead of bulk runs), on a FakeTimeProvider.</summary>
public class SendPriorityTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(0.1);
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 12, 6, 8, 0, 0, TimeSpan.Zero));

    [Fact]
    public void An_urgent_send_takes_the_next_permit_ahead_of_a_thousand_queued_bulk_sends_within_the_shared_rate()
    {
        using var limiters = new SendRateLimiters(new SendRateShare(), time);
        var account = new WeChatAccount { Id = 11, SendRatePerSecond = 100 };
        var bulk = Enumerable.Range(0, 1_000).Select(_ => limiters.AcquireAsync(account, CancellationToken.None)).ToList();
        var released = new List<DateTimeOffset>();
        Advance(bulk, released, TimeSpan.FromMilliseconds(250));
        var bulkBefore = bulk.Count(b => b.IsCompletedSuccessfully);

        Task urgent;
        using (SendPriority.Urgent())
        {
            urgent = limiters.AcquireAsync(account, CancellationToken.None);
        }
        Assert.False(SendPriority.IsUrgent);
        var asked = time.GetUtcNow();
        while (!urgent.IsCompleted)
        {
            Advance(bulk, released, Step);
        }

        // No bulk send went between the request and the urgent one: it waited one spacing of the rate at most.
        Assert.Equal(bulkBefore, bulk.Count(b => b.IsCompletedSuccessfully));
        Assert.True(time.GetUtcNow() - asked <= SendRateLimiters.Window / 100 + Step, $"waited {time.GetUtcNow() - asked}");
        released.Add(time.GetUtcNow());
        Advance(bulk, released, TimeSpan.FromSeconds(3));
        // The urgent send shares the account's rate: no one-second window holds more than the rate.
        var sorted = released.Order().ToList();
        Assert.All(sorted, t => Assert.InRange(sorted.Count(o => o >= t && o - t < TimeSpan.FromSeconds(1)), 1, 100));
    }

    [Fact]
    public void Urgent_sends_queue_in_order_among_themselves()
    {
        using var limiters = new SendRateLimiters(new SendRateShare(), time);
        var account = new WeChatAccount { Id = 12, SendRatePerSecond = 10 };
        var bulk = Enumerable.Range(0, 50).Select(_ => limiters.AcquireAsync(account, CancellationToken.None)).ToList();
        List<Task> urgent;
        using (SendPriority.Urgent())
        {
            urgent = Enumerable.Range(0, 3).Select(_ => limiters.AcquireAsync(account, CancellationToken.None)).ToList();
        }

        var order = new List<string>();
        while (!urgent.All(u => u.IsCompleted))
        {
            time.Advance(Step);
            for (var i = 0; i < urgent.Count; i++)
            {
                if (urgent[i].IsCompleted && !order.Contains($"u{i}"))
                {
                    order.Add($"u{i}");
                }
            }
        }

        Assert.Equal(["u0", "u1", "u2"], order);
        // Only the send that was free at once went before them.
        Assert.Equal(1, bulk.Count(b => b.IsCompletedSuccessfully));
    }

    private void Advance(List<Task> bulk, List<DateTimeOffset> released, TimeSpan span)
    {
        var end = time.GetUtcNow() + span;
        var done = bulk.Count(b => b.IsCompletedSuccessfully);
        while (time.GetUtcNow() < end)
        {
            time.Advance(Step);
            var now = bulk.Count(b => b.IsCompletedSuccessfully);
            released.AddRange(Enumerable.Repeat(time.GetUtcNow(), now - done));
            done = now;
        }
    }
}
