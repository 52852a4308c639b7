using Microsoft.Extensions.Time.Testing;

namespace PushConsole.Tests.Infrastructure;

/// <summary>
/// A <see cref="FakeTimeProvider"/> whose "now" tests move by hand (Advance, or AdjustTime to set it, backwards too),
/// to reach expiry boundaries exactly, while its timers and timestamps run on real time: the send engine and the
/// pool under test wait on poll intervals and flush windows (Task.Delay with this clock), which FakeTimeProvider's own
/// timers would fire only when a test advances the clock.
/// </summary>
public sealed class ManualTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    /// <summary>A fixed, whole-second start well away from midnight in Asia/Shanghai.</summary>
    public ManualTimeProvider() : this(new DateTimeOffset(2026, 11, 20, 4, 0, 0, TimeSpan.Zero)) { }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        System.CreateTimer(callback, state, dueTime, period);

    public override long GetTimestamp() => System.GetTimestamp();

    public override long TimestampFrequency => System.TimestampFrequency;
}
