using Microsoft.Extensions.Time.Testing;
using PushConsole.Accounts;
using PushConsole.WeChat;

namespace PushConsole.Tests.WeChat;

/// <summary>
/// The per-account send rate on a FakeTimeProvider: permits are taken up front, the clock is moved on in small steps
/// and the moment each permit is released is recorded, so every 1-second window can be counted exactly.
/// </summary>
public class SendRateLimiterTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(0.1);
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 12, 6, 8, 0, 0, TimeSpan.Zero));

    [Theory]
    [InlineData(2, 40)]
    [InlineData(40, 200)]
    [InlineData(2_000, 6_000)]
    public void An_accounts_sends_hold_its_rate_in_every_one_second_window_from_the_first_send_on(int rate, int sends)
    {
        using var limiters = new SendRateLimiters(new SendRateShare(), time);
        var account = new WeChatAccount { Id = 1, SendRatePerSecond = rate };
        var start = time.GetUtcNow();

        var released = Release(time, [Permits(limiters, account, sends)]);

        Assert.Equal(sends, released.Count);
        Assert.InRange(MostInAnyWindow(released), 1, rate);
        // No burst at the start: one permit goes at once, the next only a spacing later.
        Assert.Equal(1, released.Count(t => t == start));
        // And not slower than the rate needs: the whole lot within its share of seconds plus the 2 % transit margin.
        Assert.True(released.Max() - start <= TimeSpan.FromSeconds(sends * 1.021 / rate), $"took {released.Max() - start}");
    }

    [Fact]
    public void After_idling_an_account_gets_no_burst()
    {
        using var limiters = new SendRateLimiters(new SendRateShare(), time);
        var account = new WeChatAccount { Id = 1, SendRatePerSecond = 10 };
        Release(time, [Permits(limiters, account, 5)]);
        time.Advance(TimeSpan.FromMinutes(5));
        var restart = time.GetUtcNow();

        var released = Release(time, [Permits(limiters, account, 30)]);

        Assert.Equal(1, released.Count(t => t == restart));
        Assert.InRange(MostInAnyWindow(released), 1, 10);
    }

    [Theory]
    [InlineData(8, 10)]
    [InlineData(50, 10)]
    public void Sends_waiting_through_a_late_wake_catch_up_five_milliseconds_of_the_pace_and_no_more(int lateMilliseconds, int releasedByTheWake)
    {
        using var limiters = new SendRateLimiters(new SendRateShare(), time);
        var account = new WeChatAccount { Id = 6, SendRatePerSecond = 2_000 };
        var permits = Permits(limiters, account, 100);
        Assert.Equal(1, permits.Count(p => p.IsCompletedSuccessfully));

        // The timer was due 0.5 ms on; its callback runs only now (a busy thread pool).
        time.Advance(TimeSpan.FromMilliseconds(lateMilliseconds));

        // The one that was due, and the nine spacings of a 2,000/s pace (0.505 ms: 1,010 ms over 2,000) that fit in 5 ms.
        Assert.Equal(1 + releasedByTheWake, permits.Count(p => p.IsCompletedSuccessfully));
        var released = Release(time, [permits]);
        Assert.InRange(MostInAnyWindow(released), 1, 2_000);
    }

    [Fact]
    public void Waiting_sends_keep_being_released_while_new_ones_keep_asking()
    {
        using var limiters = new SendRateLimiters(new SendRateShare(), time);
        var account = new WeChatAccount { Id = 5, SendRatePerSecond = 100 };
        var permits = new List<Task>();

        // Three seconds with a new send asking every 0.1 ms.
        for (var i = 0; i < 30_000; i++)
        {
            permits.Add(limiters.AcquireAsync(account, CancellationToken.None));
            time.Advance(Step);
        }

        Assert.InRange(permits.Count(p => p.IsCompletedSuccessfully), 280, 300);
    }

    [Fact]
    public void The_nodes_of_a_cluster_together_hold_the_accounts_rate_each_sending_its_share()
    {
        var share = new SendRateShare { Nodes = 2 };
        using var first = new SendRateLimiters(share, time);
        using var second = new SendRateLimiters(new SendRateShare { Nodes = 2 }, time);
        var account = new WeChatAccount { Id = 7, SendRatePerSecond = 5 };

        var released = Release(time, [Permits(first, account, 20), Permits(second, account, 20)]);

        Assert.Equal(40, released.Count);
        // 5/s over two nodes is 2/s each (rounded down: 3 + 3 would be 6).
        Assert.Equal(2, share.ShareOf(5));
        Assert.InRange(MostInAnyWindow(released), 1, 5);
    }

    [Fact]
    public void A_changed_send_rate_applies_from_the_next_send_without_a_burst()
    {
        using var limiters = new SendRateLimiters(new SendRateShare(), time);
        var account = new WeChatAccount { Id = 3, SendRatePerSecond = 5 };
        var slow = Release(time, [Permits(limiters, account, 15)]);

        account.SendRatePerSecond = 1_000;
        var fast = Release(time, [Permits(limiters, account, 500)]);
        account.SendRatePerSecond = 2;
        var slowAgain = Release(time, [Permits(limiters, account, 6)]);

        Assert.InRange(MostInAnyWindow(slow), 1, 5);
        Assert.InRange(MostInAnyWindow(fast), 500, 1_000);
        Assert.InRange(MostInAnyWindow(slowAgain), 1, 2);
        Assert.InRange(MostInAnyWindow([.. slow, .. fast, .. slowAgain]), 1, 1_000);
    }

    [Fact]
    public async Task A_cancelled_wait_ends_at_once_and_leaves_the_others_their_slots()
    {
        using var limiters = new SendRateLimiters(new SendRateShare(), time);
        var account = new WeChatAccount { Id = 4, SendRatePerSecond = 1 };
        await limiters.AcquireAsync(account, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var waiting = limiters.AcquireAsync(account, cancel.Token);
        var next = limiters.AcquireAsync(account, CancellationToken.None);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.False(next.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(2.1));
        Assert.True(next.IsCompletedSuccessfully);
    }

    private static List<Task> Permits(SendRateLimiters limiters, WeChatAccount account, int count) =>
        Enumerable.Range(0, count).Select(_ => limiters.AcquireAsync(account, CancellationToken.None)).ToList();

    /// <summary>Moves the clock on in small steps until every permit is released; returns when each one was.</summary>
    private static List<DateTimeOffset> Release(FakeTimeProvider time, IReadOnlyList<List<Task>> permits)
    {
        var released = new List<DateTimeOffset>();
        var pending = permits.SelectMany(p => p).ToList();
        var limit = time.GetUtcNow() + TimeSpan.FromHours(1);
        while (true)
        {
            var now = time.GetUtcNow();
            var done = pending.RemoveAll(p => p.IsCompletedSuccessfully);
            released.AddRange(Enumerable.Repeat(now, done));
            if (pending.Count == 0)
            {
                return released;
            }
            Assert.True(now < limit, $"{pending.Count} permits were never released");
            time.Advance(Step);
        }
    }

    private static int MostInAnyWindow(IReadOnlyList<DateTimeOffset> times)
    {
        var sorted = times.Order().ToList();
        var most = 0;
        for (int start = 0, end = 0; start < sorted.Count; start++)
        {
            while (end < sorted.Count && sorted[end] - sorted[start] < TimeSpan.FromSeconds(1))
            {
                end++;
            }
            most = Math.Max(most, end - start);
        }
        return most;
    }
}
