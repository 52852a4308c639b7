using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PushConsole.Simulator.Http;

namespace PushConsole.Simulator;

/// <summary>Registers and mounts the WeChat simulator in any ASP.NET Core host.</summary>
public static class SimulatorExtensions
{
    /// <summary>
    /// Registers <see cref="WeChatSimulator"/> as a singleton (uses a <see cref="TimeProvider"/> from DI if one is
    /// registered, else <see cref="TimeProvider.System"/>).
    /// </summary>
    public static IServiceCollection AddWeChatSimulator(this IServiceCollection services, Action<SimulatorOptions>? configure = null)
    {
        services.AddOptions<SimulatorOptions>();
        if (configure is not null) services.Configure(configure);
        services.TryAddSingleton(sp => new WeChatSimulator(
            sp.GetRequiredService<IOptions<SimulatorOptions>>().Value,
            sp.GetService<TimeProvider>()));
        return services;
    }

    /// <summary>
    /// Maps the WeChat API paths under <paramref name="prefix"/> (e.g. <c>/sim</c> → <c>/sim/cgi-bin/token</c>) and
    /// the control API under <c>{prefix}/control</c>. Every endpoint allows anonymous access and skips antiforgery.
    /// Returns the endpoints' convention builder so the host can add more conventions.
    /// </summary>
    public static IEndpointConventionBuilder MapWeChatSimulator(this IEndpointRouteBuilder endpoints, string prefix = "")
    {
        var sim = endpoints.ServiceProvider.GetRequiredService<WeChatSimulator>();
        var root = NormalizePrefix(prefix);
        var all = new SimulatorConventions();
        void Conventions(IEndpointConventionBuilder b)
        {
            b.AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
            b.WithMetadata(new SimulatorEndpointMetadata());
            all.Builders.Add(b);
        }

        var api = new ApiHandlers(sim);
        void MapApi(SimApi a, RequestDelegate handler) =>
            Conventions(endpoints.Map(root + "/" + a.PathOf(), handler).WithDisplayName("WeChat simulator " + a.PathOf()));

        MapApi(SimApi.Token, api.Token);
        MapApi(SimApi.StableToken, api.StableToken);
        MapApi(SimApi.JsCode2Session, api.JsCode2Session);
        MapApi(SimApi.WxopenTemplateSend, api.Authenticated(SimApi.WxopenTemplateSend, post: true));
        MapApi(SimApi.SubscribeSend, api.Authenticated(SimApi.SubscribeSend, post: true));
        MapApi(SimApi.TemplateSend, api.Authenticated(SimApi.TemplateSend, post: true));
        MapApi(SimApi.UserGet, api.Authenticated(SimApi.UserGet, post: false));
        MapApi(SimApi.GetTemplate, api.Authenticated(SimApi.GetTemplate, post: false));
        MapApi(SimApi.WxopenTemplateList, api.Authenticated(SimApi.WxopenTemplateList, post: true));
        MapApi(SimApi.GetAllPrivateTemplate, api.Authenticated(SimApi.GetAllPrivateTemplate, post: false));
        MapApi(SimApi.UniformSend, api.Authenticated(SimApi.UniformSend, post: true));
        foreach (var area in new[] { "cgi-bin", "sns", "wxaapi", "wxa" })
            Conventions(endpoints.Map(root + "/" + area + "/{**rest}", api.UnknownPath).WithDisplayName("WeChat simulator unknown path"));

        new ControlApi(sim).Map(endpoints, root + "/control", Conventions);
        return all;
    }

    private static string NormalizePrefix(string? prefix)
    {
        var p = (prefix ?? "").Trim().TrimEnd('/');
        if (p.Length > 0 && p[0] != '/') p = "/" + p;
        return p;
    }

    private sealed class SimulatorConventions : IEndpointConventionBuilder
    {
        public readonly List<IEndpointConventionBuilder> Builders = new();

        public void Add(Action<EndpointBuilder> convention)
        {
            foreach (var b in Builders) b.Add(convention);
        }

        public void Finally(Action<EndpointBuilder> finallyConvention)
        {
            foreach (var b in Builders) b.Finally(finallyConvention);
        }
    }
}

/// <summary>Marks endpoints of the simulator (so a host can recognise them, e.g. to skip request logging).</summary>
public sealed class SimulatorEndpointMetadata;
