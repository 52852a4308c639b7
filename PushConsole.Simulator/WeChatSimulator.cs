using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Security.Cryptography;

namespace PushConsole.Simulator;

/// <summary>
/// State of the simulated WeChat platform: apps, tokens, login codes, formIds, subscribe grants, followers,
/// templates, faults, inboxes and counters. Thread-safe; one singleton per host (see AddWeChatSimulator).
/// The public methods are the control surface (also exposed over HTTP under <c>{prefix}/control</c>).
/// </summary>
public sealed class WeChatSimulator
{
    /// <summary>The string WeChat DevTools returns instead of a real formId.</summary>
    public const string MockFormId = "the formId is a mock one";

    private static readonly long TicksPerSecond = TimeSpan.TicksPerSecond;
    private static readonly long ChinaOffset = TimeSpan.FromHours(8).Ticks;

    private readonly TimeProvider _time;
    private long _offsetTicks;
    private long _msgId = 1_000_000_000;
    private int _rid;
    private volatile bool _retired;
    private volatile FaultRule[] _faults = [];
    private int _faultSeq;

    internal readonly ConcurrentDictionary<string, SimApp> Apps = new(StringComparer.Ordinal);
    internal readonly ConcurrentDictionary<string, TokenInfo> Tokens = new(StringComparer.Ordinal);
    internal readonly ConcurrentDictionary<string, LoginCode> Codes = new(StringComparer.Ordinal);
    internal readonly ConcurrentDictionary<string, FormIdState> FormIds = new(StringComparer.Ordinal);
    /// <summary>First app a named openid was registered with (to answer 40003 for another app's openid).</summary>
    internal readonly ConcurrentDictionary<string, SimApp> NamedOwners = new(StringComparer.Ordinal);
    internal readonly ApiStats[] Unattributed = ApiStats.NewSet();
    internal readonly InternPool Intern = new(200_000);

    public WeChatSimulator(SimulatorOptions options, TimeProvider? timeProvider = null)
    {
        Options = options;
        _time = timeProvider ?? TimeProvider.System;
        _retired = options.Retired;
        options.Seed?.Invoke(this);
    }

    public SimulatorOptions Options { get; }

    // ------------------------------------------------------------------ clock

    /// <summary>Simulated now: the TimeProvider's time plus the control-settable offset.</summary>
    public DateTimeOffset Now => _time.GetUtcNow() + ClockOffset;

    internal long NowTicks => _time.GetUtcNow().UtcTicks + Volatile.Read(ref _offsetTicks);

    public TimeSpan ClockOffset => TimeSpan.FromTicks(Volatile.Read(ref _offsetTicks));

    public void AdvanceClock(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public void SetClockOffset(TimeSpan offset) => Volatile.Write(ref _offsetTicks, offset.Ticks);

    /// <summary>Moves the simulated clock so that <see cref="Now"/> is <paramref name="now"/> (time keeps running).</summary>
    public void SetNow(DateTimeOffset now) => Volatile.Write(ref _offsetTicks, now.UtcTicks - _time.GetUtcNow().UtcTicks);

    internal static long ChinaDay(long ticks) => (ticks + ChinaOffset) / TimeSpan.TicksPerDay;

    // ------------------------------------------------------------------ switches

    /// <summary>Retired mode: mini program legacy template sends answer 45103.</summary>
    public bool Retired { get => _retired; set => _retired = value; }

    internal long NextMsgId() => Interlocked.Increment(ref _msgId);

    internal string NewRid()
    {
        var n = (uint)Interlocked.Increment(ref _rid);
        var t = (uint)(NowTicks / TicksPerSecond);
        return string.Create(26, (t, n), static (span, s) =>
        {
            s.t.TryFormat(span, out _, "x8");
            span[8] = '-';
            ((uint)Random.Shared.Next()).TryFormat(span[9..], out _, "x8");
            span[17] = '-';
            (s.n * 2654435761u).TryFormat(span[18..], out _, "x8");
        });
    }

    // ------------------------------------------------------------------ apps

    public AppInfo UpsertApp(AppSpec spec)
    {
        if (string.IsNullOrWhiteSpace(spec.AppId)) throw new SimulatorException(400, "appid is required");
        var appId = spec.AppId.Trim();
        lock (Apps)
        {
            Apps.TryGetValue(appId, out var existing);
            var old = existing?.Config;
            AppKind kind;
            if (spec.Kind is not null)
            {
                if (!SimApis.TryParseKind(spec.Kind, out kind))
                    throw new SimulatorException(400, "kind must be miniprogram or officialaccount");
            }
            else if (old is not null) kind = old.Kind;
            else throw new SimulatorException(400, "kind is required (miniprogram or officialaccount)");
            var secret = spec.Secret ?? old?.Secret ?? throw new SimulatorException(400, "secret is required");
            if (spec.TokenLifetimeSeconds is <= 0) throw new SimulatorException(400, "token_lifetime_seconds must be positive");
            var quotas = new Dictionary<SimApi, long?>(old?.Quotas ?? new Dictionary<SimApi, long?>());
            if (spec.Quotas is not null)
            {
                foreach (var (name, limit) in spec.Quotas)
                {
                    if (!SimApis.TryParse(name, out var api)) throw new SimulatorException(400, $"unknown api '{name}'");
                    quotas[api] = limit;
                }
            }
            var miniPrograms = spec.MiniPrograms is null
                ? (kind == AppKind.OfficialAccount ? old?.MiniPrograms : null) ?? NoMiniPrograms
                : CheckedMiniPrograms(appId, kind, spec.MiniPrograms);
            var cfg = new AppConfig(appId, secret, kind, spec.TokenLifetimeSeconds ?? old?.TokenLifetimeSeconds,
                spec.Name ?? old?.Name, spec.Pages is null ? old?.Pages : spec.Pages.ToFrozenSet(StringComparer.Ordinal), quotas, miniPrograms);
            if (existing is null)
            {
                existing = new SimApp(cfg);
                Apps[appId] = existing;
            }
            else
            {
                existing.Config = cfg;
            }
            return Describe(existing);
        }
    }

    private static readonly FrozenSet<string> NoMiniPrograms = FrozenSet.Create(StringComparer.Ordinal, ReadOnlySpan<string>.Empty);

    /// <summary>
    /// Mini programs an official account may bind: any appid (a real one need not be simulated here), but a simulated
    /// app must be a mini program; a mini program binds none (the binding is made on the official account's side).
    /// </summary>
    private FrozenSet<string> CheckedMiniPrograms(string appId, AppKind kind, IEnumerable<string> miniPrograms)
    {
        var list = miniPrograms.Select(m => m?.Trim() ?? "").ToList();
        if (list.Count == 0) return NoMiniPrograms;
        if (kind != AppKind.OfficialAccount) throw new SimulatorException(400, "only an official account binds mini programs");
        foreach (var mp in list)
        {
            if (string.IsNullOrEmpty(mp)) throw new SimulatorException(400, "a mini program appid is required");
            if (mp == appId) throw new SimulatorException(400, "an official account cannot bind itself");
            if (Apps.TryGetValue(mp, out var other) && other.Kind != AppKind.MiniProgram)
                throw new SimulatorException(400, $"{mp} is a simulated {other.Kind.Name()}, not a mini program");
        }
        return list.ToFrozenSet(StringComparer.Ordinal);
    }

    /// <summary>Binds a mini program to an official account (its template messages may then open it). Idempotent.</summary>
    public AppInfo BindMiniProgram(string officialAccountAppId, string miniProgramAppId)
    {
        var app = RequireApp(officialAccountAppId);
        lock (Apps)
        {
            var c = app.Config;
            var bound = CheckedMiniPrograms(c.AppId, c.Kind, c.MiniPrograms.Append(miniProgramAppId));
            app.Config = c with { MiniPrograms = bound };
            return Describe(app);
        }
    }

    /// <summary>Unbinds a mini program from an official account. False when it was not bound.</summary>
    public bool UnbindMiniProgram(string officialAccountAppId, string miniProgramAppId)
    {
        var app = RequireApp(officialAccountAppId);
        lock (Apps)
        {
            var c = app.Config;
            if (!c.MiniPrograms.Contains(miniProgramAppId)) return false;
            app.Config = c with { MiniPrograms = c.MiniPrograms.Where(m => m != miniProgramAppId).ToFrozenSet(StringComparer.Ordinal) };
            return true;
        }
    }

    public AppInfo? GetApp(string appId) => Apps.TryGetValue(appId, out var app) ? Describe(app) : null;

    public IReadOnlyList<AppInfo> ListApps() => Apps.Values.OrderBy(a => a.AppId, StringComparer.Ordinal).Select(Describe).ToList();

    public bool RemoveApp(string appId)
    {
        if (!Apps.TryRemove(appId, out var app)) return false;
        foreach (var (k, t) in Tokens) if (t.App == app) Tokens.TryRemove(k, out _);
        return true;
    }

    internal SimApp RequireApp(string appId) =>
        Apps.TryGetValue(appId, out var app) ? app : throw new SimulatorException(404, $"unknown app '{appId}'");

    internal int LifetimeSeconds(SimApp app) => app.Config.TokenLifetimeSeconds ?? Options.TokenLifetimeSeconds;

    private AppInfo Describe(SimApp app)
    {
        var c = app.Config;
        var quotas = SimApis.All.ToDictionary(a => a.Name(), a => EffectiveQuota(app, a));
        return new AppInfo(c.AppId, c.Secret, c.Kind.Name(), LifetimeSeconds(app), c.Name, c.Pages?.Order().ToList(),
            quotas, app.Users.Generated, app.Users.FollowerTotal, app.Templates.Count, app.Inbox.Total, c.MiniPrograms.Order(StringComparer.Ordinal).ToList());
    }

    internal long? EffectiveQuota(SimApp app, SimApi api) =>
        app.Config.Quotas.TryGetValue(api, out var q) ? q : Options.DailyQuotas.GetValueOrDefault(api);

    /// <summary>Sets one daily quota of an app (null = unlimited).</summary>
    public void SetDailyQuota(string appId, SimApi api, long? limit)
    {
        var app = RequireApp(appId);
        lock (Apps)
        {
            var q = new Dictionary<SimApi, long?>(app.Config.Quotas) { [api] = limit };
            app.Config = app.Config with { Quotas = q };
        }
    }

    /// <summary>Used calls today per API (China day).</summary>
    public IReadOnlyDictionary<string, long> DailyUsage(string appId)
    {
        var app = RequireApp(appId);
        var day = ChinaDay(NowTicks);
        return SimApis.All.ToDictionary(a => a.Name(), a => app.Daily[(int)a].Current(day));
    }

    /// <summary>Resets today's usage of every API of an app (like clear_quota).</summary>
    public void ResetDailyUsage(string appId)
    {
        var app = RequireApp(appId);
        foreach (var c in app.Daily) c.Reset();
    }

    // ------------------------------------------------------------------ tokens

    private static string NewSecretString(int length)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
        return string.Create(length, 0, static (span, _) =>
        {
            Span<byte> bytes = stackalloc byte[span.Length];
            RandomNumberGenerator.Fill(bytes);
            for (var i = 0; i < span.Length; i++) span[i] = alphabet[bytes[i] & 63];
        });
    }

    private const int TokenSecretLength = 104;

    /// <summary>The shape of the tokens <see cref="Mint"/> makes: SIMT or SIMS, then 104 characters of its alphabet.</summary>
    internal static bool IsWellFormedToken(ReadOnlySpan<char> token) =>
        token.Length == 4 + TokenSecretLength && (token.StartsWith("SIMT") || token.StartsWith("SIMS"))
        && !token[4..].ContainsAnyExcept(TokenAlphabet);

    private static readonly System.Buffers.SearchValues<char> TokenAlphabet =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");

    private TokenInfo Mint(SimApp app, long now, bool stable)
    {
        var lifetime = LifetimeSeconds(app) * TicksPerSecond;
        var prefix = stable ? "SIMS" : "SIMT";
        var t = new TokenInfo(app, prefix + NewSecretString(TokenSecretLength), now, now + lifetime, stable);
        if (Tokens.Count > 50_000) PruneTokens(now);
        Tokens[t.Value] = t;
        return t;
    }

    private void PruneTokens(long now)
    {
        var horizon = now - TimeSpan.TicksPerHour;
        foreach (var (k, t) in Tokens)
            if (t.Expires < horizon || t.InvalidFrom < horizon) Tokens.TryRemove(k, out _);
    }

    /// <summary>cgi-bin/token: a new token each call; the previous one stays valid for the grace period.</summary>
    internal TokenInfo IssueNormalToken(SimApp app, long now)
    {
        lock (app.TokenLock)
        {
            var old = app.Normal;
            var fresh = Mint(app, now, stable: false);
            old?.InvalidateAt(now + Options.TokenGraceSeconds * TicksPerSecond);
            app.Normal = fresh;
            return fresh;
        }
    }

    /// <summary>cgi-bin/stable_token semantics (see reference §1.2).</summary>
    internal TokenInfo StableToken(SimApp app, bool force, long now, out bool issued)
    {
        lock (app.TokenLock)
        {
            var cur = app.Stable;
            var curValid = cur is not null && now < cur.Expires && now < cur.InvalidFrom;
            issued = false;
            if (force)
            {
                var day = ChinaDay(now);
                if (app.ForceDay != day)
                {
                    app.ForceDay = day;
                    app.ForceCount = 0;
                }
                var tooSoon = app.LastForceTicks != long.MinValue &&
                              now - app.LastForceTicks < Options.StableForceRefreshMinIntervalSeconds * TicksPerSecond;
                var exhausted = app.ForceCount >= Options.StableForceRefreshPerDay;
                if (curValid && (tooSoon || exhausted)) return cur!;
                if (!tooSoon && !exhausted)
                {
                    app.ForceCount++;
                    app.LastForceTicks = now;
                }
                var fresh = Mint(app, now, stable: true);
                cur?.InvalidateAt(now);
                app.Stable = fresh;
                issued = true;
                return fresh;
            }
            var lifetime = LifetimeSeconds(app) * TicksPerSecond;
            var rotateWindow = Math.Min(300 * TicksPerSecond, lifetime / 2);
            if (curValid && cur!.Expires - now > rotateWindow) return cur;
            // Rotate: a still-valid old token keeps working until its own expiry (≤ rotate window).
            var next = Mint(app, now, stable: true);
            app.Stable = next;
            issued = true;
            return next;
        }
    }

    /// <summary>
    /// Validates an access token. Returns 0 or 41001/40014/40001/42001. A token of the right shape that this simulator
    /// does not know (issued before a restart, or superseded long ago and forgotten) is 40001, "invalid or not latest",
    /// as WeChat answers for a superseded one, so clients that refresh on 40001 recover; only text that cannot be a
    /// token is 40014. (That unknown well-formed tokens get 40001 is an assumption; see docs/simulator.md.)
    /// </summary>
    internal int ValidateToken(ReadOnlySpan<char> token, long now, out TokenInfo? info)
    {
        info = null;
        if (token.IsEmpty) return 41001;
        if (!Tokens.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(token, out info)) return IsWellFormedToken(token) ? 40001 : 40014;
        var invalidFrom = info.InvalidFrom;
        if (now >= invalidFrom && invalidFrom < info.Expires) return 40001;
        if (now >= info.Expires) return 42001;
        return 0;
    }

    /// <summary>The current tokens of an app (for tests and the console's diagnostics).</summary>
    public TokenState GetTokens(string appId)
    {
        var app = RequireApp(appId);
        var now = NowTicks;
        lock (app.TokenLock)
        {
            int? Left(TokenInfo? t) => t is null ? null : (int)Math.Max(0, (t.Expires - now) / TicksPerSecond);
            return new TokenState(app.Normal?.Value, Left(app.Normal), app.Stable?.Value, Left(app.Stable));
        }
    }

    // ------------------------------------------------------------------ users, login codes, formIds

    /// <summary>Openid of the generated user <paramref name="index"/> of an app (deterministic).</summary>
    public static string GeneratedOpenId(string appId, int index) =>
        UserDirectory.GeneratedOpenId(UserDirectory.GeneratedMarker + UserDirectory.Tag(appId), index);

    internal int RegisterUser(SimApp app, string openId)
    {
        var id = app.Users.GetOrAdd(openId, out var isNew);
        if (isNew) NamedOwners.TryAdd(openId, app);
        return id;
    }

    /// <summary>Checks that an openid can be an openid of this app: 40003 when empty or clearly another app's.</summary>
    internal bool IsForeignOpenId(SimApp app, ReadOnlySpan<char> openId)
    {
        if (app.Users.IsForeignGenerated(openId)) return true;
        if (app.Users.TryFind(openId, out _)) return false;
        return NamedOwners.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(openId, out var owner) && owner != app;
    }

    private static void RequireOpenId(string? openId)
    {
        if (string.IsNullOrWhiteSpace(openId)) throw new SimulatorException(400, "openid is required");
    }

    /// <summary>Mints a wx.login code for a user of a mini program (valid 5 minutes, single use).</summary>
    public string MintLoginCode(string appId, string openId)
    {
        RequireOpenId(openId);
        var app = RequireApp(appId);
        RegisterUser(app, openId);
        var code = NewSecretString(32);
        Codes[code] = new LoginCode(app, openId, NowTicks);
        return code;
    }

    /// <summary>0 and the openid, or 40029 (unknown / expired / other app) or 40163 (used).</summary>
    internal int ConsumeLoginCode(SimApp app, ReadOnlySpan<char> code, long now, out string? openId)
    {
        openId = null;
        if (!Codes.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(code, out var c) || c.App != app) return 40029;
        if (Volatile.Read(ref c.Used) != 0) return 40163;
        if (now - c.Created >= Options.LoginCodeLifetimeSeconds * TicksPerSecond) return 40029;
        if (Interlocked.Exchange(ref c.Used, 1) != 0) return 40163;
        openId = c.OpenId;
        return 0;
    }

    /// <summary>Mints formIds (1 use each) or prepay_ids (3 uses each) bound to one user, valid 7 days.</summary>
    public IReadOnlyList<string> MintFormIds(string appId, string openId, int count = 1, bool prepay = false)
    {
        RequireOpenId(openId);
        if (count is < 1 or > 100_000) throw new SimulatorException(400, "count must be 1..100000");
        var app = RequireApp(appId);
        RegisterUser(app, openId);
        var now = NowTicks;
        var list = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var id = prepay ? "wx" + NewSecretString(30) : NewSecretString(32);
            FormIds[id] = new FormIdState(app, id, openId, now, prepay ? Options.PrepayIdUses : 1, prepay);
            list.Add(id);
        }
        return list;
    }

    /// <summary>Checks a form_id for (app, touser) without consuming. 0, 41028 or 41029.</summary>
    internal int CheckFormId(SimApp app, ReadOnlySpan<char> formId, ReadOnlySpan<char> toUser, long now, out FormIdState? state)
    {
        state = null;
        if (formId.IsEmpty || formId.SequenceEqual(MockFormId)) return 41028;
        if (!FormIds.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(formId, out state) || state.App != app) return 41028;
        if (now - state.Created >= Options.FormIdLifetimeSeconds * TicksPerSecond) return 41028;
        if (!toUser.SequenceEqual(state.OpenId)) return 41028;
        if (Volatile.Read(ref state.Remaining) <= 0) return 41029;
        return 0;
    }

    internal static bool TryUseFormId(FormIdState state)
    {
        while (true)
        {
            var r = Volatile.Read(ref state.Remaining);
            if (r <= 0) return false;
            if (Interlocked.CompareExchange(ref state.Remaining, r - 1, r) == r) return true;
        }
    }

    /// <summary>Remaining uses of a formId / prepay_id, or null if unknown.</summary>
    public int? FormIdRemaining(string formId) => FormIds.TryGetValue(formId, out var s) ? Volatile.Read(ref s.Remaining) : null;

    // ------------------------------------------------------------------ subscribe grants

    private static string GrantKey(string openId, string templateId) => openId + "\u0001" + templateId;

    /// <summary>User tapped "allow" <paramref name="count"/> times (or, with <paramref name="set"/>, the remaining count is set).</summary>
    public int Grant(string appId, string openId, string templateId, int count = 1, bool set = false)
    {
        RequireOpenId(openId);
        if (string.IsNullOrWhiteSpace(templateId)) throw new SimulatorException(400, "template_id is required");
        var app = RequireApp(appId);
        RegisterUser(app, openId);
        var box = app.Grants.GetOrAdd(GrantKey(openId, templateId), static _ => new StrongBoxInt(0));
        if (set)
        {
            Volatile.Write(ref box.Value, Math.Max(0, count));
            return count;
        }
        return Interlocked.Add(ref box.Value, count);
    }

    /// <summary>Grants <paramref name="count"/> sends of a template to every generated user of the app.</summary>
    public int GrantGenerated(string appId, string templateId, int count = 1)
    {
        if (string.IsNullOrWhiteSpace(templateId)) throw new SimulatorException(400, "template_id is required");
        var app = RequireApp(appId);
        var n = app.Users.Generated;
        app.GeneratedGrants.AddOrUpdate(templateId,
            _ => Filled(n, count),
            (_, old) =>
            {
                var a = Filled(Math.Max(n, old.Length), 0);
                for (var i = 0; i < a.Length; i++) a[i] = (i < old.Length ? Volatile.Read(ref old[i]) : 0) + count;
                return a;
            });
        return n;

        static int[] Filled(int n, int v)
        {
            var a = new int[n];
            if (v != 0) Array.Fill(a, v);
            return a;
        }
    }

    /// <summary>Remaining grants of (user, template), individual plus bulk.</summary>
    public int GrantRemaining(string appId, string openId, string templateId)
    {
        var app = RequireApp(appId);
        var n = app.Grants.TryGetValue(GrantKey(openId, templateId), out var box) ? Volatile.Read(ref box.Value) : 0;
        if (app.Users.TryParseGenerated(openId, out var idx) && app.GeneratedGrants.TryGetValue(templateId, out var arr) && idx < arr.Length)
            n += Volatile.Read(ref arr[idx]);
        return n;
    }

    /// <summary>Takes one grant (or, for a long-term template, checks one exists). False → 43101.</summary>
    internal bool TryTakeGrant(SimApp app, ReadOnlySpan<char> openId, int userIndex, TemplateDef t, Span<char> scratch)
    {
        var consume = t.Type != 3;
        var keyLen = openId.Length + 1 + t.Id.Length;
        if (!app.Grants.IsEmpty && keyLen <= scratch.Length)
        {
            openId.CopyTo(scratch);
            scratch[openId.Length] = '\u0001';
            t.Id.CopyTo(scratch[(openId.Length + 1)..]);
            if (app.Grants.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(scratch[..keyLen], out var box) && Take(ref box.Value, consume))
                return true;
        }
        if (userIndex >= 0 && app.GeneratedGrants.TryGetValue(t.Id, out var arr) && userIndex < arr.Length)
            return Take(ref arr[userIndex], consume);
        return false;

        static bool Take(ref int slot, bool consume)
        {
            while (true)
            {
                var v = Volatile.Read(ref slot);
                if (v <= 0) return false;
                if (!consume) return true;
                if (Interlocked.CompareExchange(ref slot, v - 1, v) == v) return true;
            }
        }
    }

    /// <summary>The user's subscribe-message main switch (off → every subscribe send to them is 43101).</summary>
    public void SetMainSwitch(string appId, string openId, bool on)
    {
        RequireOpenId(openId);
        var app = RequireApp(appId);
        RegisterUser(app, openId);
        if (on) app.SwitchedOff.TryRemove(openId, out _);
        else app.SwitchedOff[openId] = 1;
    }

    // ------------------------------------------------------------------ followers

    /// <summary>Sets the number of generated users/followers to <paramref name="count"/> (openids from index).</summary>
    public FollowerSummary GenerateFollowers(string appId, int count)
    {
        if (count is < 0 or > 100_000_000) throw new SimulatorException(400, "count must be 0..100000000");
        var app = RequireApp(appId);
        app.Users.SetGenerated(count);
        return Followers(appId);
    }

    /// <summary>Adds followers (re-follows generated ones, registers named ones).</summary>
    public FollowerSummary AddFollowers(string appId, IEnumerable<string> openIds)
    {
        var app = RequireApp(appId);
        foreach (var raw in openIds)
        {
            var openId = raw?.Trim();
            RequireOpenId(openId);
            if (app.Users.TryParseGenerated(openId, out var idx))
            {
                if (idx >= app.Users.Generated)
                    throw new SimulatorException(400, $"{openId} is beyond the generated range ({app.Users.Generated})");
                app.Users.UnfollowedGenerated.TryRemove(idx, out _);
            }
            else
            {
                var id = RegisterUser(app, openId!);
                app.Users.NamedFollowing[id] = 1;
            }
        }
        return Followers(appId);
    }

    /// <summary>The user unfollows. False when they were not a follower.</summary>
    public bool RemoveFollower(string appId, string openId)
    {
        var app = RequireApp(appId);
        if (app.Users.TryParseGenerated(openId, out var idx))
            return idx < app.Users.Generated && app.Users.UnfollowedGenerated.TryAdd(idx, 1);
        return app.Users.TryFind(openId, out var id) && app.Users.NamedFollowing.TryRemove(id, out _);
    }

    public bool IsFollower(string appId, string openId)
    {
        var app = RequireApp(appId);
        return app.Users.TryFind(openId, out var id) && app.Users.IsFollower(id);
    }

    public FollowerSummary Followers(string appId)
    {
        var app = RequireApp(appId);
        var u = app.Users;
        var g = u.Generated;
        var named = u.NamedFollowerIdsInOrder().Take(1000).Select(u.OpenIdOf).ToList();
        return new FollowerSummary(app.AppId, u.FollowerTotal, g, u.UnfollowedGenerated.Keys.Count(k => k < g), named,
            g > 0 ? u.OpenIdOf(0) : null, g > 0 ? u.OpenIdOf(g - 1) : null);
    }

    // ------------------------------------------------------------------ templates

    public TemplateInfo DefineTemplate(string appId, TemplateSpec spec)
    {
        var app = RequireApp(appId);
        if (string.IsNullOrWhiteSpace(spec.Content)) throw new SimulatorException(400, "content is required");
        TemplateKind kind;
        switch (spec.Kind?.Trim().ToLowerInvariant())
        {
            case null or "": kind = app.Kind == AppKind.OfficialAccount ? TemplateKind.Official : TemplateKind.Subscribe; break;
            case "subscribe": kind = TemplateKind.Subscribe; break;
            case "legacy" or "wxopen": kind = TemplateKind.Legacy; break;
            case "official" or "oa": kind = TemplateKind.Official; break;
            default: throw new SimulatorException(400, "kind must be subscribe, legacy or official");
        }
        if ((kind == TemplateKind.Official) != (app.Kind == AppKind.OfficialAccount))
            throw new SimulatorException(400, $"a {kind} template does not belong to a {app.Kind.Name()}");
        var type = kind == TemplateKind.Subscribe ? spec.Type ?? 2 : 0;
        if (kind == TemplateKind.Subscribe && type is not (2 or 3)) throw new SimulatorException(400, "type must be 2 (one-time) or 3 (long-term)");
        var id = string.IsNullOrWhiteSpace(spec.TemplateId) ? NewSecretString(43) : spec.TemplateId.Trim();
        var def = new TemplateDef(id, spec.Title, spec.Content, kind, type, spec.Example, spec.Enums, spec.PrimaryIndustry, spec.DeputyIndustry);
        lock (app.TemplateOrder)
        {
            var copy = new Dictionary<string, TemplateDef>(app.Templates, StringComparer.Ordinal) { [id] = def };
            if (!app.TemplateOrder.Contains(id)) app.TemplateOrder.Add(id);
            app.Templates = copy;
        }
        return Describe(def);
    }

    public bool RemoveTemplate(string appId, string templateId)
    {
        var app = RequireApp(appId);
        lock (app.TemplateOrder)
        {
            if (!app.Templates.ContainsKey(templateId)) return false;
            var copy = new Dictionary<string, TemplateDef>(app.Templates, StringComparer.Ordinal);
            copy.Remove(templateId);
            app.TemplateOrder.Remove(templateId);
            app.Templates = copy;
            return true;
        }
    }

    public IReadOnlyList<TemplateInfo> ListTemplates(string appId) => OrderedTemplates(RequireApp(appId)).Select(Describe).ToList();

    internal static List<TemplateDef> OrderedTemplates(SimApp app)
    {
        lock (app.TemplateOrder)
        {
            var map = app.Templates;
            return app.TemplateOrder.Where(map.ContainsKey).Select(id => map[id]).ToList();
        }
    }

    private static TemplateInfo Describe(TemplateDef t) => new(t.Id, t.Title, t.Content,
        t.Kind.ToString().ToLowerInvariant(), t.Type, t.Example, t.Keys, t.Enums);

    // ------------------------------------------------------------------ faults and quotas

    public FaultInfo AddFault(FaultSpec spec)
    {
        SimApi? api = null;
        if (spec.Api is not null)
        {
            if (!SimApis.TryParse(spec.Api, out var a)) throw new SimulatorException(400, $"unknown api '{spec.Api}'");
            api = a;
        }
        if (spec.Rate is < 0 or > 1) throw new SimulatorException(400, "rate must be within 0..1");
        if (spec.Errcode is null && spec.LatencyMs is null && spec.Qps is null && spec.DailyQuota is null)
            throw new SimulatorException(400, "a fault needs errcode, latency_ms, qps or daily_quota");
        var rule = new FaultRule
        {
            Id = "f" + Interlocked.Increment(ref _faultSeq),
            Spec = spec,
            AppId = string.IsNullOrWhiteSpace(spec.AppId) ? null : spec.AppId.Trim(),
            Api = api,
            Remaining = spec.Count ?? -1,
        };
        lock (this) _faults = [.. _faults, rule];
        return Describe(rule);
    }

    public IReadOnlyList<FaultInfo> ListFaults() => _faults.Select(Describe).ToList();

    public bool RemoveFault(string id)
    {
        lock (this)
        {
            var next = _faults.Where(f => f.Id != id).ToArray();
            var removed = next.Length != _faults.Length;
            _faults = next;
            return removed;
        }
    }

    public void ClearFaults()
    {
        lock (this) _faults = [];
    }

    private static FaultInfo Describe(FaultRule r) =>
        new(r.Id, r.Spec, Interlocked.Read(ref r.Hits), r.Spec.Count is null ? null : Volatile.Read(ref r.Remaining));

    /// <summary>
    /// Faults, QPS caps and daily quotas for one authenticated call. Returns 0 or an errcode; latency to add in
    /// <paramref name="latencyMs"/>; custom errmsg in <paramref name="message"/>.
    /// </summary>
    internal int CheckLimits(SimApp app, SimApi api, long now, out int latencyMs, out string? message)
    {
        latencyMs = 0;
        message = null;
        var quota = EffectiveQuota(app, api);
        var faults = _faults;
        var errcode = 0;
        if (faults.Length != 0)
        {
            var second = now / TicksPerSecond;
            foreach (var f in faults)
            {
                if (!f.Matches(app, api)) continue;
                Interlocked.Increment(ref f.Hits);
                if (f.Spec.LatencyMs is > 0) latencyMs += f.Spec.LatencyMs.Value;
                if (f.Spec.DailyQuota is { } dq) quota = quota is null ? dq : Math.Min(quota.Value, dq);
                if (errcode == 0 && f.Spec.Qps is { } qps && !f.QpsCounter.TryTake(second, qps)) errcode = 45011;
            }
            if (errcode == 0 && quota is { } q0 && !app.Daily[(int)api].TryTake(ChinaDay(now), q0)) errcode = 45009;
            if (errcode == 0)
            {
                foreach (var f in faults)
                {
                    if (f.Matches(app, api) && f.Fire())
                    {
                        errcode = f.Spec.Errcode!.Value;
                        message = f.Spec.Message;
                        break;
                    }
                }
            }
            return errcode;
        }
        if (quota is { } q && !app.Daily[(int)api].TryTake(ChinaDay(now), q)) return 45009;
        return 0;
    }

    // ------------------------------------------------------------------ inbox and delivery

    internal void Deliver(SimApp app, int recipient, SimApi api, TemplateDef t, string? data, string? link, string? aux, long now, long msgId)
    {
        var e = new InboxEntry
        {
            Ticks = now,
            MsgId = msgId,
            TemplateId = t.Id,
            Data = data,
            Link = link,
            Aux = aux,
            Recipient = recipient,
            Api = api,
        };
        app.Inbox.Append(ref e);
    }

    /// <summary>Messages delivered to one user of an app, oldest first (last <paramref name="limit"/> if given).</summary>
    public IReadOnlyList<InboxMessage> GetInbox(string appId, string openId, int? limit = null)
    {
        var app = RequireApp(appId);
        if (!app.Users.TryFind(openId, out var id)) return [];
        var entries = app.Inbox.Read(id);
        var skip = limit is { } l && l >= 0 && entries.Count > l ? entries.Count - l : 0;
        return Describe(app, entries.Skip(skip));
    }

    /// <summary>The newest deliveries of an app over all recipients, newest first.</summary>
    public IReadOnlyList<InboxMessage> RecentDeliveries(string appId, int limit = 50)
    {
        var app = RequireApp(appId);
        return Describe(app, app.Inbox.Newest(Math.Clamp(limit, 1, 10_000)));
    }

    private static List<InboxMessage> Describe(SimApp app, IEnumerable<InboxEntry> entries)
    {
        var templates = app.Templates;
        var list = new List<InboxMessage>();
        foreach (var e in entries)
        {
            var data = DecodeData(e.Data);
            string? page = null, url = null, mpApp = null, mpPath = null, formId = null;
            if (e.Api == SimApi.TemplateSend)
            {
                url = e.Link;
                if (e.Aux is { } aux)
                {
                    var sep = aux.IndexOf('\u001F');
                    mpApp = sep < 0 ? aux : aux[..sep];
                    mpPath = sep < 0 ? null : aux[(sep + 1)..];
                }
            }
            else
            {
                page = e.Link;
                formId = e.Aux;
            }
            var rendered = templates.TryGetValue(e.TemplateId, out var t) ? t.Render(data) : null;
            list.Add(new InboxMessage(e.MsgId, app.Users.OpenIdOf(e.Recipient), new DateTimeOffset(e.Ticks, TimeSpan.Zero), e.Api.Name(), e.TemplateId, data,
                page, url, mpApp, mpPath, formId, rendered));
        }
        return list;
    }

    internal static Dictionary<string, string> DecodeData(string? data)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(data)) return d;
        foreach (var pair in data.Split('\u001E'))
        {
            var sep = pair.IndexOf('\u001F');
            if (sep > 0) d[pair[..sep]] = pair[(sep + 1)..];
        }
        return d;
    }

    /// <summary>
    /// Delivered totals of an app; with <paramref name="templateId"/> also the recipients of that template and how
    /// many of them got it more than once (the duplicate check of a broadcast).
    /// </summary>
    public DeliveryCounts CountDeliveries(string appId, string? templateId = null)
    {
        var app = RequireApp(appId);
        var state = new CountState { TemplateId = templateId, ByApi = new long[SimApis.Count], PerRecipient = templateId is null ? null : new Dictionary<int, int>() };
        app.Inbox.Scan(ref state, static (ref CountState s, in InboxEntry e) =>
        {
            s.Total++;
            s.ByApi[(int)e.Api]++;
            if (s.PerRecipient is not null && string.Equals(e.TemplateId, s.TemplateId, StringComparison.Ordinal))
            {
                s.TemplateTotal++;
                ref var c = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(s.PerRecipient, e.Recipient, out _);
                c++;
            }
        });
        var byApi = new Dictionary<string, long>();
        for (var i = 0; i < SimApis.Count; i++) if (state.ByApi[i] != 0) byApi[((SimApi)i).Name()] = state.ByApi[i];
        int? dupes = state.PerRecipient?.Values.Count(v => v > 1);
        return new DeliveryCounts(app.AppId, state.Total, byApi, app.Inbox.DistinctRecipients, templateId,
            templateId is null ? null : state.TemplateTotal, state.PerRecipient?.Count, dupes);
    }

    private struct CountState
    {
        public string? TemplateId;
        public long Total;
        public long[] ByApi;
        public long TemplateTotal;
        public Dictionary<int, int>? PerRecipient;
    }

    // ------------------------------------------------------------------ counters

    internal void Record(SimApp? app, SimApi api, int errcode) => (app?.Stats ?? Unattributed)[(int)api].Record(errcode);

    /// <summary>Counters by app ("" = calls that could not be attributed, e.g. unknown token) and API.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, ApiCounter>> GetCounters()
    {
        var result = new SortedDictionary<string, IReadOnlyDictionary<string, ApiCounter>>(StringComparer.Ordinal);
        foreach (var app in Apps.Values) result[app.AppId] = Snapshot(app.Stats);
        var un = Snapshot(Unattributed);
        if (un.Count > 0) result[""] = un;
        return result;
    }

    private static Dictionary<string, ApiCounter> Snapshot(ApiStats[] stats)
    {
        var d = new Dictionary<string, ApiCounter>();
        for (var i = 0; i < stats.Length; i++)
        {
            var s = stats[i];
            var calls = Interlocked.Read(ref s.Calls);
            if (calls == 0) continue;
            d[((SimApi)i).Name()] = new ApiCounter(calls, Interlocked.Read(ref s.Ok), Interlocked.Read(ref s.Issued),
                s.Errors.OrderBy(e => e.Key).ToDictionary(e => e.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), e => e.Value));
        }
        return d;
    }

    public void ResetCounters()
    {
        foreach (var app in Apps.Values) foreach (var s in app.Stats) s.Reset();
        foreach (var s in Unattributed) s.Reset();
    }

    // ------------------------------------------------------------------ reset

    /// <summary>Forgets everything (apps, tokens, codes, formIds, faults, inboxes, counters, clock offset), then re-seeds.</summary>
    public void Reset()
    {
        lock (Apps)
        {
            Apps.Clear();
            Tokens.Clear();
            Codes.Clear();
            FormIds.Clear();
            NamedOwners.Clear();
            Intern.Clear();
            ClearFaults();
            foreach (var s in Unattributed) s.Reset();
            _retired = Options.Retired;
            Volatile.Write(ref _offsetTicks, 0);
        }
        Options.Seed?.Invoke(this);
    }
}
