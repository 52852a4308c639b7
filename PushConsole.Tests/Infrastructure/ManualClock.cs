namespace PushConsole.Tests.Infrastructure;

/// <summary>A TimeProvider a test moves by hand.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset now = start;

    public ManualClock() : this(new DateTimeOffset(2026, 11, 22, 2, 0, 0, TimeSpan.Zero)) { }

    public override DateTimeOffset GetUtcNow() => now;

    public void Advance(TimeSpan by) => now += by;

    public void Set(DateTimeOffset to) => now = to;
}
