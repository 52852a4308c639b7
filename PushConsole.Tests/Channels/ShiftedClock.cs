namespace PushConsole.Tests.Channels;

/// <summary>The system clock moved by a fixed offset: timers run in real time, "now" is wherever the test put it.</summary>
public sealed class ShiftedClock(TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + offset;
}
