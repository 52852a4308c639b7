using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace PushConsole.Simulator.Http;

/// <summary>snake_case with WeChat's spellings (appid, openid, msgid, miniprogram).</summary>
internal sealed class WeChatNamingPolicy : JsonNamingPolicy
{
    public override string ConvertName(string name)
    {
        var s = SnakeCaseLower.ConvertName(name);
        return s.Replace("app_id", "appid").Replace("open_id", "openid").Replace("msg_id", "msgid").Replace("mini_program", "miniprogram");
    }
}

/// <summary>The control API (JSON) under <c>{prefix}/control</c>. See docs/simulator.md.</summary>
internal sealed class ControlApi(WeChatSimulator sim)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = new WeChatNamingPolicy(),
        DictionaryKeyPolicy = null,
        PropertyNameCaseInsensitive = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };

    private sealed class OpenIdBody
    {
        public string? OpenId { get; set; }
        public List<string>? OpenIds { get; set; }
        public int? Count { get; set; }
        public bool? On { get; set; }
    }

    private sealed class GrantBody
    {
        public string? OpenId { get; set; }
        public string? TemplateId { get; set; }
        public int? Count { get; set; }
        public bool? Set { get; set; }
    }

    private sealed class ClockBody
    {
        public double? Seconds { get; set; }
        public double? OffsetSeconds { get; set; }
        public DateTimeOffset? Now { get; set; }
    }

    private sealed class BindBody
    {
        public string? AppId { get; set; }
    }

    private sealed class SwitchBody
    {
        public bool? On { get; set; }
    }

    public void Map(IEndpointRouteBuilder e, string root, Action<IEndpointConventionBuilder> conventions)
    {
        void Get(string p, Func<HttpContext, Task<object?>> h) => conventions(e.MapGet(root + p, Wrap(h)));
        void Post(string p, Func<HttpContext, Task<object?>> h) => conventions(e.MapPost(root + p, Wrap(h)));
        void PostPut(string p, Func<HttpContext, Task<object?>> h) => conventions(e.MapMethods(root + p, ["POST", "PUT"], Wrap(h)));
        void Delete(string p, Func<HttpContext, Task<object?>> h) => conventions(e.MapDelete(root + p, Wrap(h)));

        Get("", _ => Done(new
        {
            simulator = "PushConsole WeChat simulator",
            apps = sim.ListApps(),
            retired = sim.Retired,
            now = sim.Now,
            clock_offset_seconds = sim.ClockOffset.TotalSeconds,
            faults = sim.ListFaults().Count,
        }));
        Post("/reset", _ => { sim.Reset(); return Done(new { reset = true }); });

        // apps
        Get("/apps", _ => Done(sim.ListApps()));
        PostPut("/apps", async c => sim.UpsertApp(await Body<AppSpec>(c)));
        Get("/apps/{appid}", c => Done(sim.GetApp(AppId(c)) ?? throw new SimulatorException(404, $"unknown app '{AppId(c)}'")));
        PostPut("/apps/{appid}", async c =>
        {
            var spec = await Body<AppSpec>(c);
            spec.AppId = AppId(c);
            return sim.UpsertApp(spec);
        });
        Delete("/apps/{appid}", c => Done(new { removed = sim.RemoveApp(AppId(c)) }));
        Get("/apps/{appid}/tokens", c => Done(sim.GetTokens(AppId(c))));

        // users: login codes, formIds, grants, switch
        Post("/apps/{appid}/codes", async c =>
        {
            var b = await Body<OpenIdBody>(c);
            var code = sim.MintLoginCode(AppId(c), b.OpenId!);
            return new { code, openid = b.OpenId, expires_in = sim.Options.LoginCodeLifetimeSeconds };
        });
        Post("/apps/{appid}/formids", async c =>
        {
            var b = await Body<OpenIdBody>(c);
            return new { form_ids = sim.MintFormIds(AppId(c), b.OpenId!, b.Count ?? 1, prepay: false), openid = b.OpenId };
        });
        Post("/apps/{appid}/prepay-ids", async c =>
        {
            var b = await Body<OpenIdBody>(c);
            return new { prepay_ids = sim.MintFormIds(AppId(c), b.OpenId!, b.Count ?? 1, prepay: true), openid = b.OpenId };
        });
        Get("/apps/{appid}/formids/{formid}", c => Done(new
        {
            form_id = Route(c, "formid"),
            remaining = sim.FormIdRemaining(Route(c, "formid")) ?? throw new SimulatorException(404, "unknown form id"),
        }));
        Post("/apps/{appid}/grants", async c =>
        {
            var b = await Body<GrantBody>(c);
            var remaining = sim.Grant(AppId(c), b.OpenId!, b.TemplateId!, b.Count ?? 1, b.Set ?? false);
            return new { openid = b.OpenId, template_id = b.TemplateId, remaining };
        });
        Post("/apps/{appid}/grants/generated", async c =>
        {
            var b = await Body<GrantBody>(c);
            var users = sim.GrantGenerated(AppId(c), b.TemplateId!, b.Count ?? 1);
            return new { template_id = b.TemplateId, users, count = b.Count ?? 1 };
        });
        Get("/apps/{appid}/grants/{openid}/{template_id}", c => Done(new
        {
            openid = Route(c, "openid"),
            template_id = Route(c, "template_id"),
            remaining = sim.GrantRemaining(AppId(c), Route(c, "openid"), Route(c, "template_id")),
        }));
        Post("/apps/{appid}/main-switch", async c =>
        {
            var b = await Body<OpenIdBody>(c);
            sim.SetMainSwitch(AppId(c), b.OpenId!, b.On ?? false);
            return new { openid = b.OpenId, on = b.On ?? false };
        });

        // mini programs bound to an official account (the ones its template messages may open)
        Get("/apps/{appid}/miniprograms", c => Done(new
        {
            appid = AppId(c),
            miniprograms = (sim.GetApp(AppId(c)) ?? throw new SimulatorException(404, $"unknown app '{AppId(c)}'")).MiniPrograms,
        }));
        Post("/apps/{appid}/miniprograms", async c =>
        {
            var b = await Body<BindBody>(c);
            if (string.IsNullOrWhiteSpace(b.AppId)) throw new SimulatorException(400, "appid (of the mini program) is required");
            return new { appid = AppId(c), miniprograms = sim.BindMiniProgram(AppId(c), b.AppId).MiniPrograms };
        });
        Delete("/apps/{appid}/miniprograms/{miniprogram}", c => Done(new
        {
            appid = AppId(c),
            removed = sim.UnbindMiniProgram(AppId(c), Route(c, "miniprogram")),
        }));

        // followers
        Get("/apps/{appid}/followers", c => Done(sim.Followers(AppId(c))));
        Post("/apps/{appid}/followers/generate", async c =>
        {
            var b = await Body<OpenIdBody>(c);
            return sim.GenerateFollowers(AppId(c), b.Count ?? throw new SimulatorException(400, "count is required"));
        });
        Post("/apps/{appid}/followers", async c =>
        {
            var b = await Body<OpenIdBody>(c);
            var list = new List<string>();
            if (b.OpenId is not null) list.Add(b.OpenId);
            if (b.OpenIds is not null) list.AddRange(b.OpenIds);
            if (list.Count == 0) throw new SimulatorException(400, "openid or openids is required");
            return sim.AddFollowers(AppId(c), list);
        });
        Delete("/apps/{appid}/followers/{openid}", c => Done(new { openid = Route(c, "openid"), removed = sim.RemoveFollower(AppId(c), Route(c, "openid")) }));
        Get("/apps/{appid}/followers/{openid}", c => Done(new { openid = Route(c, "openid"), following = sim.IsFollower(AppId(c), Route(c, "openid")) }));
        Get("/apps/{appid}/openid/{index:int}", c =>
        {
            var index = int.Parse(Route(c, "index"), System.Globalization.CultureInfo.InvariantCulture);
            sim.RequireApp(AppId(c));
            return Done(new { index, openid = WeChatSimulator.GeneratedOpenId(AppId(c), index) });
        });

        // templates
        Get("/apps/{appid}/templates", c => Done(sim.ListTemplates(AppId(c))));
        PostPut("/apps/{appid}/templates", async c => sim.DefineTemplate(AppId(c), await Body<TemplateSpec>(c)));
        Delete("/apps/{appid}/templates/{template_id}", c => Done(new { removed = sim.RemoveTemplate(AppId(c), Route(c, "template_id")) }));

        // quotas
        Get("/apps/{appid}/quotas", c => Done(new { limits = sim.GetApp(AppId(c))?.Quotas, used_today = sim.DailyUsage(AppId(c)) }));
        PostPut("/apps/{appid}/quotas", async c =>
        {
            var b = await Body<Dictionary<string, long?>>(c);
            return sim.UpsertApp(new AppSpec { AppId = AppId(c), Quotas = b }).Quotas;
        });
        Post("/apps/{appid}/quotas/reset", c => { sim.ResetDailyUsage(AppId(c)); return Done(new { reset = true }); });

        // deliveries
        Get("/inbox/{appid}/{openid}", c =>
        {
            int? limit = int.TryParse(c.Request.Query["limit"], out var l) ? l : null;
            var messages = sim.GetInbox(AppId(c), Route(c, "openid"), limit);
            return Done(new { appid = AppId(c), openid = Route(c, "openid"), count = messages.Count, messages });
        });
        Get("/apps/{appid}/deliveries", c =>
        {
            var limit = int.TryParse(c.Request.Query["limit"], out var l) ? l : 50;
            var messages = sim.RecentDeliveries(AppId(c), limit);
            return Done(new { appid = AppId(c), total = sim.GetApp(AppId(c))?.Delivered, count = messages.Count, messages });
        });
        Get("/apps/{appid}/deliveries/count", c =>
        {
            var t = c.Request.Query["template_id"].ToString();
            return Done(sim.CountDeliveries(AppId(c), string.IsNullOrEmpty(t) ? null : t));
        });

        // faults, retired, clock, counters
        Get("/faults", _ => Done(sim.ListFaults()));
        Post("/faults", async c => sim.AddFault(await Body<FaultSpec>(c)));
        Delete("/faults", _ => { sim.ClearFaults(); return Done(new { cleared = true }); });
        Delete("/faults/{id}", c => Done(new { removed = sim.RemoveFault(Route(c, "id")) }));
        Get("/retired", _ => Done(new { on = sim.Retired }));
        PostPut("/retired", async c =>
        {
            var b = await Body<SwitchBody>(c);
            sim.Retired = b.On ?? true;
            return new { on = sim.Retired };
        });
        Get("/clock", _ => Done(Clock()));
        Post("/clock/advance", async c =>
        {
            var b = await Body<ClockBody>(c);
            sim.AdvanceClock(TimeSpan.FromSeconds(b.Seconds ?? throw new SimulatorException(400, "seconds is required")));
            return Clock();
        });
        PostPut("/clock", async c =>
        {
            var b = await Body<ClockBody>(c);
            if (b.Now is { } now) sim.SetNow(now);
            else sim.SetClockOffset(TimeSpan.FromSeconds(b.OffsetSeconds ?? 0));
            return Clock();
        });
        Get("/counters", _ => Done(sim.GetCounters()));
        Post("/counters/reset", _ => { sim.ResetCounters(); return Done(new { reset = true }); });
    }

    private object Clock() => new { now = sim.Now, offset_seconds = sim.ClockOffset.TotalSeconds };

    private static Task<object?> Done(object? value) => Task.FromResult(value);

    private static string AppId(HttpContext c) => Route(c, "appid");

    private static string Route(HttpContext c, string name) => c.Request.RouteValues[name]?.ToString() ?? "";

    private static async Task<T> Body<T>(HttpContext c) where T : class
    {
        if (c.Request.ContentLength == 0) throw new SimulatorException(400, "a JSON body is required");
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(c.Request.Body, Json, c.RequestAborted)
                   ?? throw new SimulatorException(400, "a JSON body is required");
        }
        catch (JsonException e)
        {
            throw new SimulatorException(400, "bad JSON: " + e.Message);
        }
    }

    private static RequestDelegate Wrap(Func<HttpContext, Task<object?>> handler) => async ctx =>
    {
        object? result;
        var status = 200;
        try
        {
            result = await handler(ctx) ?? new { ok = true };
        }
        catch (SimulatorException e)
        {
            status = e.Status;
            result = new { error = e.Message };
        }
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(ctx.Response.Body, result, result.GetType(), Json, ctx.RequestAborted);
    };
}
