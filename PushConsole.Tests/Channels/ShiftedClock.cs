namespace PushConsole.Tests.Channels;

/// <summary>
/// The system clock moved by a fixed offset: timers run in real time, "now" is wherever the test put it. Not a
/// FakeTimeProvider: the hosted console's Quartz scheduler reads this clock too and fires its triggers as real time
/// passes, so "now" must keep moving on its own, which a FakeTimeProvider's does not.
/// </summary>
public sealed class ShiftedClock(TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + offset;
}
