using System.Diagnostics;

namespace PushConsole.Bench;

/// <summary>
/// The JIT tiers up, in the background, the methods a warm-up made hot, slower the busier the machine: a bench waits
/// until it has caught up, so its figures are those of a console that has been running, not of one starting.
/// </summary>
internal static class BenchJit
{
    /// <summary>Waits until no method was compiled for a whole second (at most a minute); how many were, and how long it took.</summary>
    public static async Task<(long Methods, TimeSpan Took)> SettledAsync()
    {
        var clock = Stopwatch.StartNew();
        var start = System.Runtime.JitInfo.GetCompiledMethodCount();
        var compiled = start;
        var quietSince = clock.Elapsed;
        while (clock.Elapsed - quietSince < TimeSpan.FromSeconds(1) && clock.Elapsed < TimeSpan.FromMinutes(1))
        {
            await Task.Delay(200);
            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now != compiled)
            {
                (compiled, quietSince) = (now, clock.Elapsed);
            }
        }
        return (compiled - start, clock.Elapsed);
    }
}
