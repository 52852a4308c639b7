using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace PushConsole.Simulator.Http;

/// <summary>The WeChat API endpoints (paths, methods, parameters and reply shapes of the reference).</summary>
internal sealed class ApiHandlers(WeChatSimulator sim)
{
    private delegate int Processor(HttpContext ctx, SimApp app, ParsedBody? body, long now, out string? message);

    private static bool IsPost(HttpContext ctx) => HttpMethods.IsPost(ctx.Request.Method);

    // ------------------------------------------------------------------ pipeline of token-authenticated APIs

    public RequestDelegate Authenticated(SimApi api, bool post)
    {
        Processor process = api switch
        {
            SimApi.TemplateSend => TemplateSend,
            SimApi.SubscribeSend => SubscribeSend,
            SimApi.WxopenTemplateSend => WxopenTemplateSend,
            SimApi.UserGet => UserGet,
            SimApi.GetTemplate => GetTemplate,
            SimApi.WxopenTemplateList => WxopenTemplateList,
            SimApi.GetAllPrivateTemplate => GetAllPrivateTemplate,
            SimApi.UniformSend => static (HttpContext _, SimApp _, ParsedBody? _, long _, out string? m) => { m = null; return 45109; },
            _ => throw new ArgumentOutOfRangeException(nameof(api)),
        };
        return ctx => Run(ctx, api, post, process);
    }

    private async Task Run(HttpContext ctx, SimApi api, bool post, Processor process)
    {
        var now = sim.NowTicks;
        SimApp? app = null;
        string? message = null;
        int code;
        if (post && !IsPost(ctx)) code = 43002;
        else
        {
            code = sim.ValidateToken(QueryParams.Get(ctx.Request, "access_token"), now, out var token);
            app = token?.App;
            if (code == 0 && api.RequiredKind() is { } kind && app!.Kind != kind) code = 48001;
            if (code == 0)
            {
                code = sim.CheckLimits(app!, api, now, out var latency, out message);
                if (latency > 0)
                {
                    await Task.Delay(latency);
                    now = sim.NowTicks;
                }
            }
            if (code == 0 && api == SimApi.WxopenTemplateSend && sim.Retired) code = 45103;
            if (code == 0)
            {
                ParsedBody? body = null;
                if (post)
                {
                    var reader = ctx.Request.BodyReader;
                    var max = sim.Options.MaxBodyBytes;
                    var read = await ParsedBody.ReadAllAsync(reader, max);
                    body = ParsedBody.Current;
                    code = body.Parse(read.Buffer, max);
                    reader.AdvanceTo(read.Buffer.End);
                }
                if (code == 0) code = process(ctx, app!, body, now, out message);
            }
        }
        sim.Record(app, api, code);
        if (code != 0) Reply.Error(sim, code, message);
        await Reply.End(ctx);
    }

    // ------------------------------------------------------------------ OA template message

    private int TemplateSend(HttpContext ctx, SimApp app, ParsedBody? b, long now, out string? message)
    {
        message = null;
        var touser = b![b.Touser];
        // An openid the account never issued (never seen by it: not a follower, past or present) is not an openid of
        // this account (40003, reference §5.1); 43004 is for a user it knows who does not follow (any more).
        if (touser.IsEmpty || !app.Users.TryFind(touser, out var userId)) return 40003;
        var t = app.FindTemplate(b[b.TemplateId]);
        if (t is null || t.Kind != TemplateKind.Official) return 40037;
        if (!app.Users.IsFollower(userId)) return 43004;
        string? aux = null;
        if (b.HasMiniprogram)
        {
            var mpAppId = b[b.MpAppId];
            var path = b[b.MpPagePath];
            if (mpAppId.IsEmpty) return 40165;
            // Only a mini program bound to the official account may be opened (reference §5.1: "associated with this
            // OA"). The reference names no errcode for this call; 40013 is what uniform_send answers for a missing
            // binding (§3.3, §9), so the simulator answers the same (an assumption, see docs/simulator.md).
            if (!app.Config.MiniPrograms.GetAlternateLookup<ReadOnlySpan<char>>().Contains(mpAppId))
            {
                message = "invalid appid, miniprogram.appid is not bound to the official account";
                return 40013;
            }
            if (sim.Apps.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(mpAppId, out var mp))
            {
                if (mp.Kind != AppKind.MiniProgram) return 40013; // bound, then re-created as an official account
                if (!path.IsEmpty && !PageAllowed(mp, path)) return 40165;
            }
            aux = Intern(b, mpAppId, path);
        }
        var code = ValidateData(t, b, official: true, out message);
        if (code != 0) return code;
        var msgId = sim.NextMsgId();
        var cmid = b[b.ClientMsgId];
        if (!cmid.IsEmpty)
        {
            var (key, check) = DedupWindow.Hash(touser, cmid);
            var window = sim.Options.ClientMsgIdWindowSeconds * TimeSpan.TicksPerSecond;
            if (!app.Dedup.TryReserve(key, check, msgId, now, window, out var existing))
            {
                Reply.Ok(existing);
                return 0;
            }
        }
        var url = b[b.Url];
        sim.Deliver(app, userId, SimApi.TemplateSend, t, DataSummary(b), url.IsEmpty ? null : sim.Intern.Get(url), aux, now, msgId);
        Reply.Ok(msgId);
        return 0;
    }

    private string Intern(ParsedBody b, ReadOnlySpan<char> a, ReadOnlySpan<char> c)
    {
        var buf = b.Scratch(a.Length + 1 + c.Length);
        a.CopyTo(buf);
        buf[a.Length] = '\u001F';
        c.CopyTo(buf[(a.Length + 1)..]);
        return sim.Intern.Get(c.IsEmpty ? a : buf);
    }

    // ------------------------------------------------------------------ MP subscribe message

    private int SubscribeSend(HttpContext ctx, SimApp app, ParsedBody? b, long now, out string? message)
    {
        message = null;
        var touser = b![b.Touser];
        if (touser.IsEmpty || sim.IsForeignOpenId(app, touser)) return 40003;
        var t = app.FindTemplate(b[b.TemplateId]);
        if (t is null || t.Kind != TemplateKind.Subscribe) return 40037;
        var page = b[b.Page];
        if (!page.IsEmpty && !PageAllowed(app, page)) return 41030;
        var state = b[b.MiniprogramState];
        if (b.MiniprogramState.Present && !(state is "developer" or "trial" or "formal"))
        {
            message = "argument invalid! miniprogram_state must be developer, trial or formal";
            return 47003;
        }
        var lang = b[b.Lang];
        if (b.Lang.Present && !(lang is "zh_CN" or "en_US" or "zh_HK" or "zh_TW"))
        {
            message = "argument invalid! lang must be zh_CN, en_US, zh_HK or zh_TW";
            return 47003;
        }
        if (!b.HasData)
        {
            message = "argument invalid! data is empty";
            return 47003;
        }
        var code = ValidateData(t, b, official: false, out message);
        if (code != 0) return code;
        if (!app.Users.TryFind(touser, out var userId)) return 43101;
        if (!app.SwitchedOff.IsEmpty && app.SwitchedOff.GetAlternateLookup<ReadOnlySpan<char>>().ContainsKey(touser)) return 43101;
        if (!sim.TryTakeGrant(app, touser, userId, t, b.Scratch(touser.Length + 1 + t.Id.Length))) return 43101;
        var msgId = sim.NextMsgId();
        sim.Deliver(app, userId, SimApi.SubscribeSend, t, DataSummary(b), page.IsEmpty ? null : sim.Intern.Get(page), null, now, msgId);
        Reply.Ok(msgId);
        return 0;
    }

    // ------------------------------------------------------------------ MP legacy template message (formId)

    private int WxopenTemplateSend(HttpContext ctx, SimApp app, ParsedBody? b, long now, out string? message)
    {
        message = null;
        var touser = b![b.Touser];
        // Mini program openids are issued at login (and seen with the user's formIds): one the app never issued is
        // 40003 (reference §3.1), before the formId is looked at.
        if (touser.IsEmpty || !app.Users.TryFind(touser, out _)) return 40003;
        var t = app.FindTemplate(b[b.TemplateId]);
        if (t is null || t.Kind != TemplateKind.Legacy) return 40037;
        var page = b[b.Page];
        if (!page.IsEmpty && !PageAllowed(app, page)) return 41030;
        var code = sim.CheckFormId(app, b[b.FormId], touser, now, out var form);
        if (code != 0) return code;
        if (!WeChatSimulator.TryUseFormId(form!)) return 41029;
        var userId = sim.RegisterUser(app, form!.OpenId);
        sim.Deliver(app, userId, SimApi.WxopenTemplateSend, t, DataSummary(b), page.IsEmpty ? null : sim.Intern.Get(page), form.Value, now, sim.NextMsgId());
        Reply.Ok();
        return 0;
    }

    private static bool PageAllowed(SimApp app, ReadOnlySpan<char> page)
    {
        var pages = app.Config.Pages;
        if (pages is null || pages.Count == 0) return true;
        var q = page.IndexOf('?');
        var path = q < 0 ? page : page[..q];
        return pages.GetAlternateLookup<ReadOnlySpan<char>>().Contains(path);
    }

    // ------------------------------------------------------------------ data

    /// <summary>47003 when a template key's value is empty or breaks its type rule.</summary>
    private static int ValidateData(TemplateDef t, ParsedBody b, bool official, out string? message)
    {
        message = null;
        var fields = b.Fields;
        for (var i = 0; i < t.Keys.Length; i++)
        {
            var rule = t.Rules[i];
            if (official && rule == FieldRule.Free) continue; // OA legacy keys: shown truncated, never rejected
            var key = t.Keys[i];
            ReadOnlySpan<char> value = default;
            for (var j = fields.Length - 1; j >= 0; j--)
            {
                if (b[fields[j].Key].SequenceEqual(key))
                {
                    value = b[fields[j].Value];
                    break;
                }
            }
            if (value.IsWhiteSpace())
            {
                message = "argument invalid! data." + key + ".value is empty";
                return 47003;
            }
            if (!FieldRules.IsValid(rule, value, t.EnumsByIndex[i]))
            {
                message = "argument invalid! data." + key + ".value invalid";
                return 47003;
            }
        }
        return 0;
    }

    /// <summary>Compact "key\u001Fvalue\u001E..." of the data, interned (a broadcast of one content stores one string).</summary>
    private string? DataSummary(ParsedBody b)
    {
        var fields = b.Fields;
        if (fields.Length == 0) return null;
        var len = 0;
        foreach (var f in fields) len += Math.Max(0, f.Key.Length) + Math.Max(0, f.Value.Length) + 2;
        var buf = b.Scratch(len);
        var pos = 0;
        foreach (var f in fields)
        {
            if (pos > 0) buf[pos++] = '\u001E';
            b[f.Key].CopyTo(buf[pos..]);
            pos += Math.Max(0, f.Key.Length);
            buf[pos++] = '\u001F';
            b[f.Value].CopyTo(buf[pos..]);
            pos += Math.Max(0, f.Value.Length);
        }
        return sim.Intern.Get(buf[..pos]);
    }

    // ------------------------------------------------------------------ followers

    private int UserGet(HttpContext ctx, SimApp app, ParsedBody? body, long now, out string? message)
    {
        message = null;
        var users = app.Users;
        var next = QueryParams.Get(ctx.Request, "next_openid");
        var generated = users.Generated;
        var genStart = 0;
        var namedAfter = 0; // named ids are negative; only ids < namedAfter come after
        if (!next.IsEmpty)
        {
            if (users.TryParseGenerated(next, out var idx)) genStart = idx + 1;
            else if (users.TryFind(next, out var id) && id < 0)
            {
                genStart = int.MaxValue;
                namedAfter = id;
            }
            else return 40003;
        }
        var pageSize = sim.Options.UserGetPageSize;
        var w = Reply.Begin();
        w.WriteStartObject();
        w.WriteNumber("total"u8, users.FollowerTotal);
        Span<char> buf = stackalloc char[UserDirectory.GeneratedLength];
        users.Prefix.CopyTo(buf);
        var digits = buf[users.Prefix.Length..];
        var count = 0;
        var last = -1;
        string? lastNamed = null;
        var unfollowed = users.UnfollowedGenerated;
        for (var i = genStart; i < generated && count < pageSize; i++)
        {
            if (!unfollowed.IsEmpty && unfollowed.ContainsKey(i)) continue;
            if (count == 0) StartData(w);
            i.TryFormat(digits, out _, "D9");
            w.WriteStringValue(buf);
            last = i;
            count++;
        }
        if (count < pageSize)
        {
            foreach (var id in users.NamedFollowerIdsInOrder())
            {
                if (id >= namedAfter) continue;
                if (count == pageSize) break;
                if (count == 0) StartData(w);
                lastNamed = users.OpenIdOf(id);
                w.WriteStringValue(lastNamed);
                count++;
            }
        }
        if (count > 0)
        {
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteNumber("count"u8, count);
        if (count == 0) w.WriteString("next_openid"u8, ""u8);
        else if (lastNamed is not null) w.WriteString("next_openid"u8, lastNamed);
        else
        {
            last.TryFormat(digits, out _, "D9");
            w.WriteString("next_openid"u8, buf);
        }
        w.WriteEndObject();
        return 0;

        static void StartData(Utf8JsonWriter w)
        {
            w.WritePropertyName("data"u8);
            w.WriteStartObject();
            w.WritePropertyName("openid"u8);
            w.WriteStartArray();
        }
    }

    // ------------------------------------------------------------------ templates

    private int GetTemplate(HttpContext ctx, SimApp app, ParsedBody? body, long now, out string? message)
    {
        message = null;
        var w = Reply.Begin();
        w.WriteStartObject();
        w.WriteNumber("errcode"u8, 0);
        w.WriteString("errmsg"u8, "ok"u8);
        w.WriteStartArray("data"u8);
        foreach (var t in WeChatSimulator.OrderedTemplates(app))
        {
            if (t.Kind != TemplateKind.Subscribe) continue;
            w.WriteStartObject();
            w.WriteString("priTmplId"u8, t.Id);
            w.WriteString("title"u8, t.Title);
            w.WriteString("content"u8, t.Content);
            w.WriteString("example"u8, t.Example);
            w.WriteNumber("type"u8, t.Type);
            if (t.Enums.Count > 0)
            {
                w.WriteStartArray("keywordEnumValueList"u8);
                foreach (var (key, values) in t.Enums)
                {
                    w.WriteStartObject();
                    w.WriteString("keywordCode"u8, key + ".DATA");
                    w.WriteStartArray("enumValueList"u8);
                    foreach (var v in values) w.WriteStringValue(v);
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        return 0;
    }

    private int WxopenTemplateList(HttpContext ctx, SimApp app, ParsedBody? b, long now, out string? message)
    {
        message = null;
        if (b!.Offset is not { } offset || offset < 0)
        {
            message = "argument invalid! offset";
            return 47003;
        }
        if (b.Count is not { } count || count is < 1 or > 20)
        {
            message = "argument invalid! count must be 1..20";
            return 47003;
        }
        var w = Reply.Begin();
        w.WriteStartObject();
        w.WriteNumber("errcode"u8, 0);
        w.WriteString("errmsg"u8, "ok"u8);
        w.WriteStartArray("list"u8);
        foreach (var t in WeChatSimulator.OrderedTemplates(app).Where(t => t.Kind == TemplateKind.Legacy).Skip(offset).Take(count))
        {
            w.WriteStartObject();
            w.WriteString("template_id"u8, t.Id);
            w.WriteString("title"u8, t.Title);
            w.WriteString("content"u8, t.Content);
            w.WriteString("example"u8, t.Example);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        return 0;
    }

    private int GetAllPrivateTemplate(HttpContext ctx, SimApp app, ParsedBody? body, long now, out string? message)
    {
        message = null;
        var w = Reply.Begin();
        w.WriteStartObject();
        w.WriteStartArray("template_list"u8);
        foreach (var t in WeChatSimulator.OrderedTemplates(app))
        {
            if (t.Kind != TemplateKind.Official) continue;
            w.WriteStartObject();
            w.WriteString("template_id"u8, t.Id);
            w.WriteString("title"u8, t.Title);
            w.WriteString("primary_industry"u8, t.PrimaryIndustry);
            w.WriteString("deputy_industry"u8, t.DeputyIndustry);
            w.WriteString("content"u8, t.Content);
            w.WriteString("example"u8, t.Example);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        return 0;
    }

    // ------------------------------------------------------------------ credentials (no access_token)

    /// <summary>Common checks of appid/secret; 0 and the app, or an errcode.</summary>
    private int Credentials(ReadOnlySpan<char> appId, ReadOnlySpan<char> secret, ReadOnlySpan<char> grantType, string expectedGrant,
        AppKind? kind, int wrongSecretCode, out SimApp? app)
    {
        app = null;
        if (appId.IsEmpty) return 41002;
        if (secret.IsEmpty) return 41004;
        if (!grantType.SequenceEqual(expectedGrant)) return 40002;
        if (!sim.Apps.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(appId, out app)) return 40013;
        if (kind is { } k && app.Kind != k) return 40013;
        var real = app.Config.Secret;
        if (!secret.SequenceEqual(real)) return secret.Length == real.Length ? wrongSecretCode : 40125;
        return 0;
    }

    private async Task<(int Code, string? Message)> Limits(HttpContext ctx, SimApp app, SimApi api, long now)
    {
        var code = sim.CheckLimits(app, api, now, out var latency, out var message);
        if (latency > 0) await Task.Delay(latency);
        if (code == 40164 && message is null)
        {
            var ip = ctx.Connection.RemoteIpAddress?.MapToIPv4().ToString() ?? "127.0.0.1";
            message = $"invalid ip {ip} ipv6 ::ffff:{ip}, not in whitelist";
        }
        return (code, message);
    }

    /// <summary>GET cgi-bin/token?grant_type=client_credential&amp;appid=&amp;secret=</summary>
    public async Task Token(HttpContext ctx)
    {
        const SimApi api = SimApi.Token;
        var now = sim.NowTicks;
        var req = ctx.Request;
        var code = Credentials(QueryParams.Get(req, "appid"), QueryParams.Get(req, "secret"), QueryParams.Get(req, "grant_type"),
            "client_credential", null, 40001, out var app);
        string? message = null;
        if (code == 0) (code, message) = await Limits(ctx, app!, api, now);
        sim.Record(app, api, code);
        if (code != 0) Reply.Error(sim, code, message);
        else
        {
            var token = sim.IssueNormalToken(app!, sim.NowTicks);
            Interlocked.Increment(ref app!.Stats[(int)api].Issued);
            WriteToken(token.Value, sim.LifetimeSeconds(app));
        }
        await Reply.End(ctx);
    }

    /// <summary>POST cgi-bin/stable_token {grant_type, appid, secret, force_refresh}</summary>
    public async Task StableToken(HttpContext ctx)
    {
        const SimApi api = SimApi.StableToken;
        var now = sim.NowTicks;
        SimApp? app = null;
        string? message = null;
        int code;
        var force = false;
        if (!IsPost(ctx)) code = 43002;
        else
        {
            var reader = ctx.Request.BodyReader;
            var read = await ParsedBody.ReadAllAsync(reader, sim.Options.MaxBodyBytes);
            var b = ParsedBody.Current;
            code = b.Parse(read.Buffer, sim.Options.MaxBodyBytes);
            reader.AdvanceTo(read.Buffer.End);
            if (code == 0)
            {
                code = Credentials(b[b.AppId], b[b.Secret], b[b.GrantType], "client_credential", null, 40001, out app);
                force = b.ForceRefresh;
            }
            if (code == 0 && !app!.StableMinute.TryTake(now / TimeSpan.TicksPerMinute, sim.Options.StableTokenPerMinute)) code = 45011;
            if (code == 0) (code, message) = await Limits(ctx, app!, api, now);
        }
        sim.Record(app, api, code);
        if (code != 0) Reply.Error(sim, code, message);
        else
        {
            now = sim.NowTicks;
            var token = sim.StableToken(app!, force, now, out var issued);
            if (issued) Interlocked.Increment(ref app!.Stats[(int)api].Issued);
            WriteToken(token.Value, (int)Math.Max(0, (token.Expires - now) / TimeSpan.TicksPerSecond));
        }
        await Reply.End(ctx);
    }

    private static void WriteToken(string token, int expiresIn)
    {
        var w = Reply.Begin();
        w.WriteStartObject();
        w.WriteString("access_token"u8, token);
        w.WriteNumber("expires_in"u8, expiresIn);
        w.WriteEndObject();
    }

    /// <summary>GET sns/jscode2session?appid=&amp;secret=&amp;js_code=&amp;grant_type=authorization_code</summary>
    public async Task JsCode2Session(HttpContext ctx)
    {
        const SimApi api = SimApi.JsCode2Session;
        var now = sim.NowTicks;
        var req = ctx.Request;
        var appId = QueryParams.Get(req, "appid");
        var secret = QueryParams.Get(req, "secret");
        var jsCode = QueryParams.Get(req, "js_code");
        int code;
        SimApp? app = null;
        if (!appId.IsEmpty && !secret.IsEmpty && jsCode.IsEmpty) code = 41008;
        else code = Credentials(appId, secret, QueryParams.Get(req, "grant_type"), "authorization_code", AppKind.MiniProgram, 40125, out app);
        string? message = null;
        if (code == 0)
        {
            var codeText = jsCode.ToString();
            (code, message) = await Limits(ctx, app!, api, now);
            string? openId = null;
            if (code == 0) code = sim.ConsumeLoginCode(app!, codeText, sim.NowTicks, out openId);
            if (code == 0)
            {
                var w = Reply.Begin();
                w.WriteStartObject();
                w.WriteString("session_key"u8, Convert.ToBase64String(Guid.NewGuid().ToByteArray()));
                w.WriteString("openid"u8, openId);
                w.WriteEndObject();
            }
        }
        sim.Record(app, api, code);
        if (code != 0) Reply.Error(sim, code, message);
        await Reply.End(ctx);
    }

    /// <summary>Unknown path under cgi-bin/, sns/, wxaapi/ → 40066.</summary>
    public Task UnknownPath(HttpContext ctx)
    {
        Reply.Error(sim, 40066, null);
        return Reply.End(ctx);
    }
}
