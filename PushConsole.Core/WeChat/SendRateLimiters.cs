using System.Collections.Concurrent;
using PushConsole.Accounts;

namespace PushConsole.WeChat;

/// <summary>
/// Holds every account's sends to its <see cref="WeChatAccount.SendRatePerSecond"/> in every 1-second window, on this
/// node and, through <see cref="SendRateShare"/>, across the nodes of a cluster (each node its share).
/// </summary>
/// <remarks>
/// Permits are released evenly spaced, in order of asking, never in bursts: there is no bucket that fills up while
/// idle, so after a pause the first send goes at once and the next one a spacing later. Two rules hold each release:
/// <list type="bullet">
/// <item>the pace: the rate's count of permits is spread over <see cref="Window"/>, a little more than a second;</item>
/// <item>the count: a permit is released only while the sends released in the last second (counted when they
/// actually leave, not when they were due) stay under the rate less <see cref="MarginPercent"/> %.</item>
/// </list>
/// The pace alone is not enough: a timer or a busy machine wakes waiters late and they would go out together. The
/// margins exist because a request reaches WeChat a few milliseconds after its permit and those delays vary, so two
/// sends a second apart here can arrive a little less than a second apart there; over the rate WeChat answers 45011.
/// A changed rate applies from the next release; the schedule and the count are kept, so a change never bursts.
/// Urgent sends (<see cref="SendPriority"/>: transactional messages) have a lane of their own that is served first: they
/// share the account's rate with bulk runs but wait at most for the next release, however many bulk sends are queued.
/// </remarks>
internal sealed class SendRateLimiters(SendRateShare share, TimeProvider time) : IDisposable
{
    /// <summary>The span over which the pace spreads the rate's count of permits.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(1010);

    /// <summary>How far under the rate the count of the last second is kept.</summary>
    public const int MarginPercent = 1;

    /// <summary>How late a release may catch up on the pace (wakes come late); more than this is not made up.</summary>
    private static readonly TimeSpan CatchUp = TimeSpan.FromMilliseconds(5);

    private readonly ConcurrentDictionary<int, Schedule> schedules = new();

    /// <summary>Completes when the account's next send permit is released (at once when it is free).</summary>
    public Task AcquireAsync(WeChatAccount account, CancellationToken cancellationToken)
    {
        var perSecond = share.ShareOf(account.SendRatePerSecond);
        return schedules.GetOrAdd(account.Id, static (_, t) => new Schedule(t), time)
            .AcquireAsync(perSecond, SendPriority.IsUrgent, cancellationToken);
    }

    public void Dispose()
    {
        foreach (var schedule in schedules.Values)
        {
            schedule.Dispose();
        }
    }

    private sealed class Schedule : IDisposable
    {
        private const int RingSize = 1024;

        private readonly TimeProvider time;
        private readonly long origin;
        private readonly Lock gate = new();
        private readonly Queue<Waiter> waiting = new();
        // Served before waiting: the urgent lane.
        private readonly Queue<Waiter> urgentWaiting = new();
        // Sends released in about the last second, counted by the millisecond (since origin) they left in: a ring of
        // milliseconds, of which those from oldestCounted on are in the window.
        private readonly int[] released = new int[RingSize];
        private long oldestCounted;
        private int releasedInWindow;
        private int perSecond = 1;
        // Milliseconds since origin (fractional) at which the pace allows the next release.
        private double next = double.MinValue;
        private ITimer? timer;
        // When the armed timer fires (ms since origin), or null when it is not armed.
        private double? armedFor;
        private bool disposed;

        public Schedule(TimeProvider time)
        {
            this.time = time;
            origin = time.GetTimestamp();
        }

        public Task AcquireAsync(int rate, bool urgent, CancellationToken cancellationToken)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return Task.FromCanceled(cancellationToken);
            }
            Waiter waiter;
            lock (gate)
            {
                ObjectDisposedException.ThrowIf(disposed, this);
                perSecond = Math.Max(1, rate);
                var now = Now();
                // An urgent send queues behind urgent ones only; a bulk send behind everyone.
                if (urgentWaiting.Count == 0 && (urgent || waiting.Count == 0) && CanRelease(now))
                {
                    Release(now, waitersWereQueued: false);
                    return Task.CompletedTask;
                }
                waiter = new Waiter();
                (urgent ? urgentWaiting : waiting).Enqueue(waiter);
                ArmTimer(now);
            }
            if (cancellationToken.CanBeCanceled)
            {
                waiter.Cancellation = cancellationToken.Register(static w => ((Waiter)w!).Promise.TrySetCanceled(), waiter);
                if (waiter.Promise.Task.IsCompleted)
                {
                    // Released before the registration was stored.
                    waiter.Cancellation.Dispose();
                }
            }
            return waiter.Promise.Task;
        }

        private void OnTimer()
        {
            List<Waiter>? due = null;
            lock (gate)
            {
                if (disposed)
                {
                    return;
                }
                armedFor = null;
                var now = Now();
                while ((urgentWaiting.Count > 0 ? urgentWaiting : waiting) is { Count: > 0 } queue)
                {
                    // A cancelled waiter gives its turn to the next without using a permit.
                    if (queue.Peek().Promise.Task.IsCompleted)
                    {
                        queue.Dequeue();
                        continue;
                    }
                    if (!CanRelease(now))
                    {
                        break;
                    }
                    Release(now, waitersWereQueued: true);
                    (due ??= []).Add(queue.Dequeue());
                }
                if (waiting.Count > 0 || urgentWaiting.Count > 0)
                {
                    ArmTimer(now);
                }
            }
            // A waiter cancelled between the check and here has spent its permit, which only errs on the slow side.
            foreach (var waiter in due ?? [])
            {
                waiter.Cancellation.Dispose();
                waiter.Promise.TrySetResult();
            }
        }

        private double Now() => time.GetElapsedTime(origin).TotalMilliseconds;

        private double Spacing => Window.TotalMilliseconds / perSecond;

        private int MostPerSecond => Math.Max(1, perSecond - perSecond * MarginPercent / 100);

        private bool CanRelease(double now)
        {
            ForgetBefore(now);
            return now >= next && releasedInWindow < MostPerSecond;
        }

        private void Release(double now, bool waitersWereQueued)
        {
            // Sends that waited in the queue through a late wake (the timer's callback runs on the thread pool, which a
            // busy machine serves 5–20 ms late) catch up on the pace by at most CatchUp: a wake 8 ms late releases 5 ms
            // of sends at once instead of losing all 8 (the capped bench's 100 ms buckets lost 6–12 % that way). A send
            // asking while nobody waited (after idling) starts the pace again from now. Either way a burst is at most
            // CatchUp's worth of the rate, and the count of the last second still holds each release.
            var from = waitersWereQueued ? now - CatchUp.TotalMilliseconds : now;
            next = (next < now - CatchUp.TotalMilliseconds ? from : next) + Spacing;
            released[(long)now % RingSize]++;
            releasedInWindow++;
        }

        // Sends of a millisecond count until that whole millisecond is more than a second ago (errs on the slow side).
        private void ForgetBefore(double now)
        {
            var oldest = (long)now - 1000;
            if (oldest - oldestCounted > RingSize)
            {
                // Idle for a while: nothing is left in the window.
                Array.Clear(released);
                releasedInWindow = 0;
                oldestCounted = oldest;
                return;
            }
            for (; oldestCounted < oldest; oldestCounted++)
            {
                ref var count = ref released[oldestCounted % RingSize];
                releasedInWindow -= count;
                count = 0;
            }
        }

        /// <summary>The first millisecond with a send still in the window.</summary>
        private long OldestRelease()
        {
            var millisecond = oldestCounted;
            while (released[millisecond % RingSize] == 0 && millisecond < oldestCounted + RingSize)
            {
                millisecond++;
            }
            return millisecond;
        }

        private void ArmTimer(double now)
        {
            var at = Math.Max(next, now);
            if (releasedInWindow >= MostPerSecond)
            {
                at = Math.Max(at, OldestRelease() + 1001);
            }
            // Timers count whole milliseconds and drop the rest: round up so a wake is never early.
            var due = Math.Max(1, Math.Ceiling(at - now));
            if (armedFor is { } armed && armed <= now + due)
            {
                // Already set to fire by then; moving it on with every new waiter would starve the queue.
                return;
            }
            armedFor = now + due;
            timer ??= time.CreateTimer(static s => ((Schedule)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            timer.Change(TimeSpan.FromMilliseconds(due), Timeout.InfiniteTimeSpan);
        }

        public void Dispose()
        {
            lock (gate)
            {
                disposed = true;
                timer?.Dispose();
                foreach (var waiter in urgentWaiting.Concat(waiting))
                {
                    waiter.Promise.TrySetCanceled();
                }
                urgentWaiting.Clear();
                waiting.Clear();
            }
        }

        private sealed class Waiter
        {
            // Sends continue on the thread pool, not on the timer's thread.
            public TaskCompletionSource Promise { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
            public CancellationTokenRegistration Cancellation { get; set; }
        }
    }
}

/// <summary>
/// Marks the sends of the current flow as urgent: they take the account's next send permit ahead of every bulk send
/// waiting for one. Async-local, so it reaches the engine's senders, which start from the flow that set it; a bulk run
/// never sets it.
/// </summary>
public static class SendPriority
{
    private static readonly AsyncLocal<bool> Current = new();

    public static bool IsUrgent => Current.Value;

    /// <summary>Sends from here until the scope ends (in this flow and the tasks it starts) are urgent.</summary>
    public static IDisposable Urgent()
    {
        var before = Current.Value;
        Current.Value = true;
        return new Scope(before);
    }

    private sealed class Scope(bool before) : IDisposable
    {
        public void Dispose() => Current.Value = before;
    }
}
