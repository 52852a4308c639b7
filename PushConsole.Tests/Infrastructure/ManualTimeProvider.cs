namespace PushConsole.Tests.Infrastructure;

/// <summary>A clock tests move by hand, to reach expiry boundaries exactly. Timers still run on real time.</summary>
public sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset now = start;
    private readonly Lock gate = new();

    /// <summary>A fixed, whole-second start well away from midnight in Asia/Shanghai.</summary>
    public ManualTimeProvider() : this(new DateTimeOffset(2026, 11, 20, 4, 0, 0, TimeSpan.Zero)) { }

    public override DateTimeOffset GetUtcNow()
    {
        lock (gate) return now;
    }

    public void Advance(TimeSpan by)
    {
        lock (gate) now += by;
    }

    public void Set(DateTimeOffset to)
    {
        lock (gate) now = to;
    }
}
