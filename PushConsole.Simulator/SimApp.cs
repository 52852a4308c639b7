using System.Collections.Concurrent;
using System.Collections.Frozen;

namespace PushConsole.Simulator;

/// <summary>Configuration of one simulated account (immutable; replaced on update).</summary>
internal sealed record AppConfig(
    string AppId,
    string Secret,
    AppKind Kind,
    int? TokenLifetimeSeconds,
    string? Name,
    FrozenSet<string>? Pages,
    IReadOnlyDictionary<SimApi, long?> Quotas,
    FrozenSet<string> MiniPrograms);

/// <summary>An access token as issued.</summary>
internal sealed class TokenInfo(SimApp app, string value, long issued, long expires, bool stable)
{
    public SimApp App { get; } = app;
    public string Value { get; } = value;
    public long Issued { get; } = issued;
    public long Expires { get; } = expires;
    public bool Stable { get; } = stable;
    private long _invalidFrom = long.MaxValue;

    /// <summary>From this instant the token is superseded (40001). long.MaxValue while current.</summary>
    public long InvalidFrom => Volatile.Read(ref _invalidFrom);

    public void InvalidateAt(long ticks)
    {
        long cur;
        do
        {
            cur = Volatile.Read(ref _invalidFrom);
            if (cur <= ticks) return;
        } while (Interlocked.CompareExchange(ref _invalidFrom, ticks, cur) != cur);
    }
}

internal sealed class LoginCode(SimApp app, string openId, long created)
{
    public SimApp App { get; } = app;
    public string OpenId { get; } = openId;
    public long Created { get; } = created;
    public int Used;
}

internal sealed class FormIdState(SimApp app, string value, string openId, long created, int uses, bool prepay)
{
    public SimApp App { get; } = app;
    public string Value { get; } = value;
    public string OpenId { get; } = openId;
    public long Created { get; } = created;
    public bool Prepay { get; } = prepay;
    public int Remaining = uses;
}

/// <summary>All state of one simulated account.</summary>
internal sealed class SimApp
{
    public SimApp(AppConfig config)
    {
        AppId = config.AppId;
        _config = config;
        Users = new UserDirectory(config.AppId);
        Daily = new PeriodCounter[SimApis.Count];
        for (var i = 0; i < Daily.Length; i++) Daily[i] = new PeriodCounter();
        Stats = ApiStats.NewSet();
    }

    public string AppId { get; }
    private volatile AppConfig _config;
    public AppConfig Config { get => _config; set => _config = value; }
    public AppKind Kind => _config.Kind;

    public readonly UserDirectory Users;

    // Tokens (mutated under TokenLock).
    public readonly object TokenLock = new();
    public TokenInfo? Normal;
    public TokenInfo? Stable;
    public long LastForceTicks = long.MinValue;
    public long ForceDay = long.MinValue;
    public int ForceCount;

    // Templates: copy-on-write snapshot.
    private volatile Dictionary<string, TemplateDef> _templates = new(StringComparer.Ordinal);
    public readonly List<string> TemplateOrder = new();
    public Dictionary<string, TemplateDef> Templates { get => _templates; set => _templates = value; }

    // Subscribe grants: key = openid \u0001 template_id.
    public readonly ConcurrentDictionary<string, StrongBoxInt> Grants = new(StringComparer.Ordinal);
    /// <summary>Bulk grants for generated users: template_id → remaining per generated index.</summary>
    public readonly ConcurrentDictionary<string, int[]> GeneratedGrants = new(StringComparer.Ordinal);
    public readonly ConcurrentDictionary<string, byte> SwitchedOff = new(StringComparer.Ordinal);

    public readonly DedupWindow Dedup = new();
    public readonly Inbox Inbox = new();

    public readonly PeriodCounter[] Daily;
    public readonly PeriodCounter StableMinute = new();
    public readonly ApiStats[] Stats;

    public TemplateDef? FindTemplate(ReadOnlySpan<char> id)
    {
        if (id.IsEmpty) return null;
        return _templates.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(id, out var t) ? t : null;
    }
}

/// <summary>Mutable int box (Interlocked-friendly).</summary>
internal sealed class StrongBoxInt(int value)
{
    public int Value = value;
}
