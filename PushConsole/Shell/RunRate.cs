namespace PushConsole.Shell;

/// <summary>A running run's current speed and when it should finish at that speed.</summary>
/// <param name="PerSecond">Sends per second over the recent window (0: nothing finished in it).</param>
/// <param name="Left">The time the rest takes at that speed; null when it is not moving.</param>
/// <param name="FinishAt">When that is.</param>
public sealed record RunEstimate(double PerSecond, TimeSpan? Left, DateTimeOffset? FinishAt);

/// <summary>
/// The current rate of a progress bar: the counts it polls, sampled with their time, and the rate over the last
/// <see cref="Window"/> of them — not since the start, so a run that sped up, slowed down (45011, a hold) or was
/// resumed shows what it does now, and the estimate follows.
/// </summary>
public sealed class RunRate(TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    private readonly List<(DateTimeOffset At, int Done)> samples = [];

    /// <summary>Notes how many recipients are done now.</summary>
    public void Add(int done)
    {
        var now = time.GetUtcNow();
        if (samples.Count > 0 && done < samples[^1].Done)
        {
            // Fewer done than before: another run, or a recount; the old samples say nothing about it.
            samples.Clear();
        }
        samples.Add((now, done));
        // Keep the newest sample at least a window old, so the rate always spans the whole window once it can.
        while (samples.Count > 2 && now - samples[1].At >= Window)
        {
            samples.RemoveAt(0);
        }
    }

    /// <summary>The rate and finish of the <paramref name="left"/> recipients still to go; null until two samples a second apart.</summary>
    public RunEstimate? Estimate(int left)
    {
        if (samples.Count < 2)
        {
            return null;
        }
        var (firstAt, firstDone) = samples[0];
        var (lastAt, lastDone) = samples[^1];
        var seconds = (lastAt - firstAt).TotalSeconds;
        if (seconds < 1)
        {
            return null;
        }
        var perSecond = (lastDone - firstDone) / seconds;
        if (perSecond <= 0)
        {
            return new RunEstimate(0, null, null);
        }
        var remaining = TimeSpan.FromSeconds(Math.Ceiling(Math.Max(0, left) / perSecond));
        return new RunEstimate(perSecond, remaining, lastAt + remaining);
    }
}
