namespace PushConsole.Simulator;

/// <summary>WeChat errcodes the simulator answers with, and their errmsg text (without the rid suffix).</summary>
public static class ErrorCodes
{
    /// <summary>Typical errmsg for an errcode.</summary>
    public static string Message(int errcode) => errcode switch
    {
        -1 => "system error",
        0 => "ok",
        40001 => "invalid credential, access_token is invalid or not latest, could get access_token by getStableAccessToken, more details at https://mmbizurl.cn/s/JtxxFh33r",
        40002 => "invalid grant_type",
        40003 => "invalid openid",
        40013 => "invalid appid",
        40014 => "invalid access_token",
        40029 => "invalid code",
        40037 => "invalid template_id",
        40066 => "invalid url",
        40125 => "invalid appsecret",
        40163 => "code been used",
        40164 => "invalid ip, not in whitelist",
        40165 => "invalid weapp pagepath",
        40226 => "code blocked",
        41001 => "access_token missing",
        41002 => "appid missing",
        41004 => "appsecret missing",
        41008 => "missing code",
        41028 => "invalid form id",
        41029 => "form id used count reach limit",
        41030 => "invalid page",
        42001 => "access_token expired",
        43002 => "require POST method",
        43003 => "require https",
        43004 => "require subscribe",
        43101 => "user refuse to accept the msg",
        44002 => "empty post data",
        45002 => "content size out of limit",
        45009 => "reach max api daily quota limit",
        45011 => "api minute-quota reach limit mustslower retry next minute",
        45103 => "This API has been unsupported",
        45109 => "This API has been unsupported. For more details, please refer to https://developers.weixin.qq.com/community/develop/doc/000ae8d6348af08e7030bc2546bc01",
        47001 => "data format error",
        47003 => "argument invalid!",
        48001 => "api unauthorized",
        48004 => "api forbidden for irregularities",
        50002 => "user limited",
        _ => "simulated error",
    };
}
