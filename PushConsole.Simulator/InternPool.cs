using System.Collections.Concurrent;

namespace PushConsole.Simulator;

/// <summary>
/// Bounded string pool so that a broadcast of one content to a million users stores one string, not a million.
/// Lookups by span do not allocate.
/// </summary>
internal sealed class InternPool(int capacity)
{
    private readonly ConcurrentDictionary<string, string> _pool = new(StringComparer.Ordinal);

    public string Get(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty) return string.Empty;
        var lookup = _pool.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(value, out var found)) return found;
        var s = value.ToString();
        if (_pool.Count < capacity) _pool.TryAdd(s, s);
        return s;
    }

    public void Clear() => _pool.Clear();
}
