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

    /// <summary>The newest <paramref name="limit"/> entries over all recipients, newest first.</summary>
    public List<InboxEntry> Newest(int limit)
    {
        var all = new List<InboxEntry>();
        foreach (var shard in _shards)
        {
            lock (shard)
            {
                for (var pos = shard.Count - 1; pos >= 0 && pos >= shard.Count - limit; pos--)
                    all.Add(shard.Chunks[pos >> ChunkBits][pos & (ChunkSize - 1)]);
            }
        }
        all.Sort((a, b) => b.MsgId.CompareTo(a.MsgId));
        if (all.Count > limit) all.RemoveRange(limit, all.Count - limit);
        return all;
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
/// client_msg_id de-duplication: 64 lock-striped open-addressing tables of structs keyed by a 64-bit hash of
/// (openid, client_msg_id), plus a 32-bit check. No heap object per entry; a stripe drops expired entries before
/// it grows, so memory follows the number of sends in the last window.
/// </summary>
internal sealed class DedupWindow
{
    private const int StripeBits = 6;

    private struct Slot
    {
        public long Key; // 0 = empty
        public long MsgId;
        public long Ticks;
        public int Check;
    }

    private sealed class Stripe
    {
        public Slot[] Slots = new Slot[64];
        public int Count;
    }

    private readonly Stripe[] _stripes;

    public DedupWindow()
    {
        _stripes = new Stripe[1 << StripeBits];
        for (var i = 0; i < _stripes.Length; i++) _stripes[i] = new Stripe();
    }

    public int Count
    {
        get
        {
            var n = 0;
            foreach (var s in _stripes) n += Volatile.Read(ref s.Count);
            return n;
        }
    }

    /// <summary>
    /// Reserves (key → msgId) unless a live entry (younger than <paramref name="window"/>) exists, in which case
    /// returns false and its msgid.
    /// </summary>
    public bool TryReserve(long key, int check, long msgId, long now, long window, out long existing)
    {
        if (key == 0) key = 1;
        var mixed = (ulong)key * 0x9E3779B97F4A7C15UL;
        var stripe = _stripes[(int)(mixed >> (64 - StripeBits))];
        lock (stripe)
        {
            var slots = stripe.Slots;
            var mask = slots.Length - 1;
            var i = (int)mixed & mask;
            while (true)
            {
                ref var s = ref slots[i];
                if (s.Key == 0) break;
                if (s.Key == key)
                {
                    if (s.Check == check && now - s.Ticks < window)
                    {
                        existing = s.MsgId;
                        return false;
                    }
                    s.MsgId = msgId;
                    s.Ticks = now;
                    s.Check = check;
                    existing = 0;
                    return true;
                }
                i = (i + 1) & mask;
            }
            if ((stripe.Count + 1) * 4 > slots.Length * 3)
            {
                Rebuild(stripe, now, window);
                slots = stripe.Slots;
                mask = slots.Length - 1;
                i = (int)mixed & mask;
                while (slots[i].Key != 0) i = (i + 1) & mask;
            }
            slots[i] = new Slot { Key = key, MsgId = msgId, Ticks = now, Check = check };
            stripe.Count++;
        }
        existing = 0;
        return true;
    }

    /// <summary>Re-inserts live entries; doubles the table only if they still fill more than half of it.</summary>
    private static void Rebuild(Stripe stripe, long now, long window)
    {
        var old = stripe.Slots;
        var live = 0;
        foreach (ref readonly var s in old.AsSpan())
            if (s.Key != 0 && now - s.Ticks < window) live++;
        var size = old.Length;
        while ((live + 1) * 2 > size) size *= 2;
        var slots = new Slot[size];
        var mask = size - 1;
        foreach (ref readonly var s in old.AsSpan())
        {
            if (s.Key == 0 || now - s.Ticks >= window) continue;
            var i = (int)((ulong)s.Key * 0x9E3779B97F4A7C15UL) & mask;
            while (slots[i].Key != 0) i = (i + 1) & mask;
            slots[i] = s;
        }
        stripe.Slots = slots;
        stripe.Count = live;
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
