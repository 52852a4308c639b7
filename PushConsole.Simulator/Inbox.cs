namespace PushConsole.Simulator;

/// <summary>One delivered message as stored: 64 bytes, strings shared (interned) where repeated.</summary>
internal struct InboxEntry
{
    public long Ticks;
    public long MsgId;
    public string TemplateId;
    /// <summary>Compact data: key \u001F value, pairs separated by \u001E.</summary>
    public string? Data;
    /// <summary>page (mini program) or url (official account).</summary>
    public string? Link;
    /// <summary>form_id used (legacy), or "appid\u001Fpagepath" of the OA miniprogram jump.</summary>
    public string? Aux;
    /// <summary>User id within the app (see <see cref="UserDirectory"/>).</summary>
    public int Recipient;
    /// <summary>Position of the same recipient's previous entry in the shard, -1 if none.</summary>
    public int Prev;
    public SimApi Api;
}

/// <summary>
/// Delivered messages of one app: 16 shards by recipient, each an append-only chunked array of structs with a
/// per-recipient chain (last position + Prev links). No per-message heap objects.
/// </summary>
internal sealed class Inbox
{
    private const int ShardCount = 16;
    private const int ChunkBits = 10;
    private const int ChunkSize = 1 << ChunkBits;

    private readonly Shard[] _shards;

    public Inbox()
    {
        _shards = new Shard[ShardCount];
        for (var i = 0; i < ShardCount; i++) _shards[i] = new Shard();
    }

    private sealed class Shard
    {
        public InboxEntry[][] Chunks = new InboxEntry[4][];
        public int Count;
        public readonly Dictionary<int, int> Last = new();
    }

    private static int ShardOf(int recipient) => (int)((uint)recipient * 2654435761u >> 28);

    public void Append(ref InboxEntry e)
    {
        var shard = _shards[ShardOf(e.Recipient)];
        lock (shard)
        {
            var pos = shard.Count;
            var chunk = pos >> ChunkBits;
            if (chunk == shard.Chunks.Length) Array.Resize(ref shard.Chunks, shard.Chunks.Length * 2);
            var arr = shard.Chunks[chunk] ??= new InboxEntry[ChunkSize];
            ref var last = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(shard.Last, e.Recipient, out var existed);
            e.Prev = existed ? last : -1;
            last = pos;
            arr[pos & (ChunkSize - 1)] = e;
            shard.Count = pos + 1;
        }
    }

    /// <summary>Messages of one recipient, oldest first.</summary>
    public List<InboxEntry> Read(int recipient)
    {
        var shard = _shards[ShardOf(recipient)];
        var list = new List<InboxEntry>();
        lock (shard)
        {
            if (!shard.Last.TryGetValue(recipient, out var pos)) return list;
            while (pos >= 0)
            {
                var e = shard.Chunks[pos >> ChunkBits][pos & (ChunkSize - 1)];
                list.Add(e);
                pos = e.Prev;
            }
        }
        list.Reverse();
        return list;
    }

    public long Total
    {
        get
        {
            long n = 0;
            foreach (var s in _shards) n += Volatile.Read(ref s.Count);
            return n;
        }
    }

    /// <summary>Visits every entry (shard by shard, each under its lock).</summary>
    public void Scan<TState>(ref TState state, ScanAction<TState> action)
    {
        foreach (var shard in _shards)
        {
            lock (shard)
            {
                for (var pos = 0; pos < shard.Count; pos++)
                    action(ref state, in shard.Chunks[pos >> ChunkBits][pos & (ChunkSize - 1)]);
            }
        }
    }

    public int DistinctRecipients
    {
        get
        {
            var n = 0;
            foreach (var s in _shards) lock (s) n += s.Last.Count;
            return n;
        }
    }

    internal delegate void ScanAction<TState>(ref TState state, in InboxEntry entry);
}

/// <summary>
/// client_msg_id de-duplication: two generations of 64-bit keys (hash of openid + client_msg_id) so entries live
/// between one and two windows; lookups check the age.
/// </summary>
internal sealed class DedupWindow
{
    private readonly record struct Entry(long MsgId, long Ticks, int Check);

    private System.Collections.Concurrent.ConcurrentDictionary<long, Entry> _current = new();
    private System.Collections.Concurrent.ConcurrentDictionary<long, Entry> _previous = new();
    private long _currentStart = long.MinValue;

    public int Count => _current.Count + _previous.Count;

    /// <summary>
    /// Reserves (key → msgId) unless a live entry exists, in which case returns false and its msgid.
    /// </summary>
    public bool TryReserve(long key, int check, long msgId, long now, long window, out long existing)
    {
        if (now - Volatile.Read(ref _currentStart) >= window) Rotate(now, window);
        var cur = _current;
        var fresh = new Entry(msgId, now, check);
        while (true)
        {
            if (cur.TryGetValue(key, out var e) || _previous.TryGetValue(key, out e))
            {
                if (e.Check == check && now - e.Ticks < window && now >= e.Ticks)
                {
                    existing = e.MsgId;
                    return false;
                }
                if (cur.TryGetValue(key, out var old))
                {
                    if (cur.TryUpdate(key, fresh, old)) break;
                    continue;
                }
            }
            if (cur.TryAdd(key, fresh)) break;
        }
        existing = 0;
        return true;
    }

    private void Rotate(long now, long window)
    {
        lock (this)
        {
            if (now - _currentStart < window) return;
            _previous = now - _currentStart >= 2 * window ? new() : _current;
            _current = new();
            Volatile.Write(ref _currentStart, now);
        }
    }

    public static (long Key, int Check) Hash(ReadOnlySpan<char> openid, ReadOnlySpan<char> clientMsgId)
    {
        const ulong prime = 1099511628211UL;
        var h = 14695981039346656037UL;
        var h2 = 2166136261u;
        foreach (var c in openid) { h = (h ^ c) * prime; h2 = (h2 ^ c) * 16777619u; }
        h = (h ^ 0xFFFF) * prime;
        h2 = (h2 ^ 0xFFFF) * 16777619u;
        foreach (var c in clientMsgId) { h = (h ^ c) * prime; h2 = (h2 ^ c) * 16777619u; h2 = (h2 << 5) | (h2 >> 27); }
        return ((long)h, (int)h2);
    }
}
