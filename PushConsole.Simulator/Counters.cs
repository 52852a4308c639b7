using System.Collections.Concurrent;

namespace PushConsole.Simulator;

/// <summary>Counter that restarts when its period (day, second, minute) changes. Lock only on roll-over.</summary>
internal sealed class PeriodCounter
{
    private long _period = long.MinValue;
    private long _count;

    /// <summary>Count in <paramref name="period"/> so far.</summary>
    public long Current(long period) => Volatile.Read(ref _period) == period ? Volatile.Read(ref _count) : 0;

    /// <summary>Counts one call if the count stays within <paramref name="limit"/>; false when the limit is reached.</summary>
    public bool TryTake(long period, long limit)
    {
        if (Volatile.Read(ref _period) != period) Roll(period);
        if (Interlocked.Increment(ref _count) <= limit) return true;
        Interlocked.Decrement(ref _count);
        return false;
    }

    /// <summary>Counts one call without a limit.</summary>
    public long Add(long period)
    {
        if (Volatile.Read(ref _period) != period) Roll(period);
        return Interlocked.Increment(ref _count);
    }

    public void Reset()
    {
        lock (this)
        {
            _count = 0;
            Volatile.Write(ref _period, long.MinValue);
        }
    }

    private void Roll(long period)
    {
        lock (this)
        {
            if (_period == period) return;
            Volatile.Write(ref _count, 0);
            Volatile.Write(ref _period, period);
        }
    }
}

/// <summary>Calls of one API by one app, by outcome.</summary>
internal sealed class ApiStats
{
    public long Calls;
    public long Ok;
    /// <summary>Token endpoints: new tokens minted (stable_token returning the current token does not count).</summary>
    public long Issued;
    public readonly ConcurrentDictionary<int, long> Errors = new();

    public void Record(int errcode)
    {
        Interlocked.Increment(ref Calls);
        if (errcode == 0) Interlocked.Increment(ref Ok);
        else Errors.AddOrUpdate(errcode, 1, static (_, v) => v + 1);
    }

    public void Reset()
    {
        Interlocked.Exchange(ref Calls, 0);
        Interlocked.Exchange(ref Ok, 0);
        Interlocked.Exchange(ref Issued, 0);
        Errors.Clear();
    }

    public static ApiStats[] NewSet()
    {
        var a = new ApiStats[SimApis.Count];
        for (var i = 0; i < a.Length; i++) a[i] = new ApiStats();
        return a;
    }
}
