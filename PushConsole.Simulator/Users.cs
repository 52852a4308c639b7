using System.Collections.Concurrent;

namespace PushConsole.Simulator;

/// <summary>
/// Users (openids) of one app. Generated users are a range 0..N-1 whose openids are derived from (appid, index):
/// <c>oSIM</c> + 8 hex chars of a hash of the appid + the index as 9 digits, so they sort in index order and
/// cost no heap objects. Named users (any other openid) get negative ids.
/// Followers (official accounts) = generated users not in the unfollowed set + named users in the following set.
/// </summary>
internal sealed class UserDirectory
{
    public const string GeneratedMarker = "oSIM";
    public const int IndexDigits = 9;
    public const int GeneratedLength = 4 + 8 + IndexDigits;

    private readonly ConcurrentDictionary<string, int> _named = new(StringComparer.Ordinal);
    private readonly List<string> _namedById = new();
    private volatile int _generated;
    private int _generatedHighWater;

    public UserDirectory(string appId)
    {
        Prefix = GeneratedMarker + Tag(appId);
    }

    public string Prefix { get; }

    public readonly ConcurrentDictionary<int, byte> UnfollowedGenerated = new();
    public readonly ConcurrentDictionary<int, byte> NamedFollowing = new();

    /// <summary>Generated users (0..N-1).</summary>
    public int Generated => _generated;

    public int NamedCount { get { lock (_namedById) return _namedById.Count; } }

    public static string Tag(string appId)
    {
        var h = 2166136261u;
        foreach (var c in appId) h = (h ^ c) * 16777619u;
        return h.ToString("X8");
    }

    public static string GeneratedOpenId(string prefix, int index) => prefix + index.ToString("D9");

    public void SetGenerated(int count)
    {
        lock (_namedById)
        {
            _generated = count;
            RaiseHighWater(count);
        }
    }

    private void RaiseHighWater(int count)
    {
        var seen = Volatile.Read(ref _generatedHighWater);
        while (count > seen)
        {
            var was = Interlocked.CompareExchange(ref _generatedHighWater, count, seen);
            if (was == seen) return;
            seen = was;
        }
    }

    /// <summary>Parses an openid of this app's generated range (any index, even beyond the current count).</summary>
    public bool TryParseGenerated(ReadOnlySpan<char> openid, out int index)
    {
        index = -1;
        if (openid.Length != GeneratedLength || !openid.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        var n = 0;
        foreach (var c in openid[Prefix.Length..])
        {
            if (!char.IsAsciiDigit(c)) return false;
            n = n * 10 + (c - '0');
        }
        index = n;
        return true;
    }

    /// <summary>True when the openid has the generated shape of another app.</summary>
    public bool IsForeignGenerated(ReadOnlySpan<char> openid)
    {
        if (openid.Length != GeneratedLength || !openid.StartsWith(GeneratedMarker, StringComparison.Ordinal)) return false;
        if (openid.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        foreach (var c in openid[Prefix.Length..]) if (!char.IsAsciiDigit(c)) return false;
        return true;
    }

    /// <summary>Id of a known user: a generated index below the high-water mark, or a registered named openid.</summary>
    public bool TryFind(ReadOnlySpan<char> openid, out int id)
    {
        if (TryParseGenerated(openid, out id)) return id < Volatile.Read(ref _generatedHighWater);
        return _named.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(openid, out id);
    }

    /// <summary>Id of an openid, registering it as a named user when new. isNew tells whether it was registered now.</summary>
    public int GetOrAdd(ReadOnlySpan<char> openid, out bool isNew)
    {
        isNew = false;
        if (TryParseGenerated(openid, out var idx))
        {
            // A generated openid the caller names (a grant, a login code, formIds) becomes a known user, as a named one
            // would; otherwise sends to it would find no such user.
            RaiseHighWater(idx + 1);
            return idx;
        }
        if (_named.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(openid, out var id)) return id;
        lock (_namedById)
        {
            if (_named.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(openid, out id)) return id;
            var s = openid.ToString();
            _namedById.Add(s);
            id = -_namedById.Count;
            _named[s] = id;
            isNew = true;
            return id;
        }
    }

    public string OpenIdOf(int id)
    {
        if (id >= 0) return GeneratedOpenId(Prefix, id);
        lock (_namedById) return _namedById[-id - 1];
    }

    public bool IsFollower(int id) =>
        id >= 0 ? id < _generated && (UnfollowedGenerated.IsEmpty || !UnfollowedGenerated.ContainsKey(id)) : NamedFollowing.ContainsKey(id);

    public int FollowerTotal
    {
        get
        {
            var n = _generated;
            foreach (var k in UnfollowedGenerated.Keys) if (k < n) n--;
            return n + NamedFollowing.Count;
        }
    }

    /// <summary>Named followers' ids in paging order (registration order).</summary>
    public int[] NamedFollowerIdsInOrder()
    {
        var ids = NamedFollowing.Keys.ToArray();
        Array.Sort(ids, (a, b) => b.CompareTo(a)); // -1, -2, ... = registration order
        return ids;
    }
}
