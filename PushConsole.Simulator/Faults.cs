namespace PushConsole.Simulator;

/// <summary>
/// A fault injection rule. Matches calls by app (null = every app) and API (null = every API). Applied in this
/// order after authentication: latency, QPS cap (45011), daily quota (45009), errcode with a rate and/or count.
/// </summary>
public sealed class FaultSpec
{
    /// <summary>App to affect; null = all apps.</summary>
    public string? AppId { get; set; }
    /// <summary>API short name or path (see <see cref="SimApis"/>); null = all APIs.</summary>
    public string? Api { get; set; }
    /// <summary>errcode to answer with (e.g. -1, 45009, 40164); null = no errcode injection.</summary>
    public int? Errcode { get; set; }
    /// <summary>Probability 0..1 that a matching call gets <see cref="Errcode"/>. Default 1.</summary>
    public double? Rate { get; set; }
    /// <summary>Inject the errcode only this many times (then the errcode part stops); null = unlimited.</summary>
    public int? Count { get; set; }
    /// <summary>Extra latency per matching call in ms.</summary>
    public int? LatencyMs { get; set; }
    /// <summary>Calls per second allowed over all matching calls; beyond → 45011.</summary>
    public int? Qps { get; set; }
    /// <summary>Daily quota for the matching app/API (lower of this and the app's quota applies) → 45009.</summary>
    public long? DailyQuota { get; set; }
    /// <summary>Custom errmsg for <see cref="Errcode"/>.</summary>
    public string? Message { get; set; }
}

internal sealed class FaultRule
{
    public required string Id { get; init; }
    public required FaultSpec Spec { get; init; }
    public string? AppId { get; init; }
    public SimApi? Api { get; init; }
    public int Remaining = -1;
    public readonly PeriodCounter QpsCounter = new();
    public long Hits;

    public bool Matches(SimApp app, SimApi api) =>
        (Api is null || Api == api) && (AppId is null || string.Equals(AppId, app.AppId, StringComparison.Ordinal));

    /// <summary>Whether the errcode part fires for this call (consumes the count).</summary>
    public bool Fire()
    {
        if (Spec.Errcode is null) return false;
        var rate = Spec.Rate ?? 1.0;
        if (rate < 1.0 && Random.Shared.NextDouble() >= rate) return false;
        if (Spec.Count is null) return true;
        while (true)
        {
            var r = Volatile.Read(ref Remaining);
            if (r <= 0) return false;
            if (Interlocked.CompareExchange(ref Remaining, r - 1, r) == r) return true;
        }
    }
}
