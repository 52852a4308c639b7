namespace PushConsole.Simulator;

/// <summary>The WeChat APIs the simulator serves. Used to key quotas, counters and faults.</summary>
public enum SimApi
{
    /// <summary>GET cgi-bin/token</summary>
    Token,
    /// <summary>POST cgi-bin/stable_token</summary>
    StableToken,
    /// <summary>GET sns/jscode2session</summary>
    JsCode2Session,
    /// <summary>POST cgi-bin/message/wxopen/template/send (mini program legacy template message)</summary>
    WxopenTemplateSend,
    /// <summary>POST cgi-bin/message/subscribe/send (mini program subscribe message)</summary>
    SubscribeSend,
    /// <summary>POST cgi-bin/message/template/send (official account template message)</summary>
    TemplateSend,
    /// <summary>GET cgi-bin/user/get (official account followers)</summary>
    UserGet,
    /// <summary>GET wxaapi/newtmpl/gettemplate (mini program subscribe templates)</summary>
    GetTemplate,
    /// <summary>POST cgi-bin/wxopen/template/list (mini program legacy templates)</summary>
    WxopenTemplateList,
    /// <summary>GET cgi-bin/template/get_all_private_template (official account templates)</summary>
    GetAllPrivateTemplate,
    /// <summary>POST cgi-bin/message/wxopen/template/uniform_send (recalled 2023: always 45109)</summary>
    UniformSend,
}

/// <summary>The two account kinds.</summary>
public enum AppKind
{
    /// <summary>小程序</summary>
    MiniProgram,
    /// <summary>公众号 / 服务号</summary>
    OfficialAccount,
}

/// <summary>Names, paths and rules of <see cref="SimApi"/>.</summary>
public static class SimApis
{
    /// <summary>Number of <see cref="SimApi"/> values.</summary>
    public const int Count = 11;

    private static readonly string[] Names =
    [
        "token", "stable_token", "jscode2session", "wxopen_template_send", "subscribe_send", "template_send",
        "user_get", "gettemplate", "wxopen_template_list", "get_all_private_template", "uniform_send",
    ];

    private static readonly string[] Paths =
    [
        "cgi-bin/token", "cgi-bin/stable_token", "sns/jscode2session", "cgi-bin/message/wxopen/template/send",
        "cgi-bin/message/subscribe/send", "cgi-bin/message/template/send", "cgi-bin/user/get",
        "wxaapi/newtmpl/gettemplate", "cgi-bin/wxopen/template/list", "cgi-bin/template/get_all_private_template",
        "cgi-bin/message/wxopen/template/uniform_send",
    ];

    /// <summary>All APIs.</summary>
    public static IReadOnlyList<SimApi> All { get; } = Enum.GetValues<SimApi>();

    /// <summary>Short name used by the control API and counters, e.g. <c>template_send</c>.</summary>
    public static string Name(this SimApi api) => Names[(int)api];

    /// <summary>Path under the API host without a leading slash, e.g. <c>cgi-bin/message/template/send</c>.</summary>
    public static string PathOf(this SimApi api) => Paths[(int)api];

    /// <summary>Parses a short name (<c>template_send</c>) or a path (<c>/cgi-bin/message/template/send</c>).</summary>
    public static bool TryParse(string? text, out SimApi api)
    {
        api = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var t = text.Trim().TrimStart('/');
        for (var i = 0; i < Count; i++)
        {
            if (string.Equals(t, Names[i], StringComparison.OrdinalIgnoreCase) ||
                string.Equals(t, Paths[i], StringComparison.OrdinalIgnoreCase))
            {
                api = (SimApi)i;
                return true;
            }
        }
        return false;
    }

    /// <summary>The account kind an API belongs to, or null when any kind may call it.</summary>
    public static AppKind? RequiredKind(this SimApi api) => api switch
    {
        SimApi.JsCode2Session or SimApi.WxopenTemplateSend or SimApi.SubscribeSend or SimApi.GetTemplate
            or SimApi.WxopenTemplateList or SimApi.UniformSend => AppKind.MiniProgram,
        SimApi.TemplateSend or SimApi.UserGet or SimApi.GetAllPrivateTemplate => AppKind.OfficialAccount,
        _ => null,
    };

    /// <summary>Default daily quotas per account (reference §10); null = unlimited.</summary>
    public static long? DefaultDailyQuota(this SimApi api) => api switch
    {
        SimApi.Token => 2000,
        SimApi.StableToken => 500_000,
        SimApi.WxopenTemplateSend => 1_000_000,
        SimApi.SubscribeSend => 10_000_000,
        SimApi.TemplateSend => 100_000,
        SimApi.UserGet => 500,
        _ => null,
    };

    /// <summary><c>miniprogram</c> / <c>officialaccount</c>.</summary>
    public static string Name(this AppKind kind) => kind == AppKind.MiniProgram ? "miniprogram" : "officialaccount";

    /// <summary>Parses <c>miniprogram</c> (also <c>mp</c>, <c>weapp</c>) or <c>officialaccount</c> (also <c>oa</c>).</summary>
    public static bool TryParseKind(string? text, out AppKind kind)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "miniprogram" or "mini_program" or "mp" or "weapp" or "wxa":
                kind = AppKind.MiniProgram;
                return true;
            case "officialaccount" or "official_account" or "oa" or "mpaccount" or "service":
                kind = AppKind.OfficialAccount;
                return true;
            default:
                kind = default;
                return false;
        }
    }
}
