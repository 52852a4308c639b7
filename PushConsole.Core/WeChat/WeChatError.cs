using System.Text.RegularExpressions;

namespace PushConsole.WeChat;

/// <summary>A classified WeChat failure: the errcode and errmsg as WeChat sent them (or a synthetic -1 for transport failures).</summary>
public sealed partial record WeChatError(WeChatErrorKind Kind, int ErrCode, string ErrMsg, string? Field = null)
{
    /// <summary>
    /// Sending the same message again later may succeed: transient failures, per-minute and daily limits, and a token
    /// that kept failing after the client's own refresh-and-retry.
    /// </summary>
    public bool IsRetryable => Kind is WeChatErrorKind.Transient or WeChatErrorKind.RateLimited
        or WeChatErrorKind.QuotaExceeded or WeChatErrorKind.TokenInvalid;

    /// <summary>Sending the same message again will fail the same way (until someone changes the message or the account).</summary>
    public bool IsPermanent => !IsRetryable;

    /// <summary>
    /// The next message of the same account would fail the same way: a sender should pause the account (or the
    /// campaign) instead of burning through its recipient list.
    /// </summary>
    public bool IsAccountWide => Kind is WeChatErrorKind.Configuration or WeChatErrorKind.QuotaExceeded
        or WeChatErrorKind.RateLimited or WeChatErrorKind.Retired;

    public override string ToString() => Field is null ? $"{Kind} ({ErrCode}): {ErrMsg}" : $"{Kind} ({ErrCode}, {Field}): {ErrMsg}";

    internal static WeChatError Transient(string message) => new(WeChatErrorKind.Transient, -1, message);

    /// <summary>Classifies an errcode by the kind of endpoint that returned it (40001 means "bad secret" on token endpoints).</summary>
    internal static WeChatError From(int errcode, string? errmsg, WeChatEndpointKind endpoint)
    {
        var message = errmsg ?? "";
        var kind = endpoint switch
        {
            WeChatEndpointKind.Token => errcode switch
            {
                -1 => WeChatErrorKind.Transient,
                40001 or 40002 or 40013 or 40125 or 40164 or 40243 or 41002 or 41004 or 48001 => WeChatErrorKind.Configuration,
                45009 => WeChatErrorKind.QuotaExceeded,
                45011 => WeChatErrorKind.RateLimited,
                _ => WeChatErrorKind.Other,
            },
            WeChatEndpointKind.Login => errcode switch
            {
                -1 => WeChatErrorKind.Transient,
                40029 => WeChatErrorKind.CredentialInvalid,
                40163 => WeChatErrorKind.CredentialUsed,
                40013 or 40125 or 40164 or 40243 or 41002 or 41004 or 48001 => WeChatErrorKind.Configuration,
                45009 => WeChatErrorKind.QuotaExceeded,
                45011 => WeChatErrorKind.RateLimited,
                _ => WeChatErrorKind.Other,
            },
            _ => errcode switch
            {
                -1 => WeChatErrorKind.Transient,
                40001 or 40014 or 42001 => WeChatErrorKind.TokenInvalid,
                41028 => WeChatErrorKind.CredentialInvalid,
                41029 => WeChatErrorKind.CredentialUsed,
                43101 => WeChatErrorKind.NoGrant,
                43004 => WeChatErrorKind.NotFollowing,
                40003 => WeChatErrorKind.InvalidRecipient,
                40037 => WeChatErrorKind.BadTemplate,
                47003 => WeChatErrorKind.BadData,
                45009 => WeChatErrorKind.QuotaExceeded,
                45011 => WeChatErrorKind.RateLimited,
                40013 or 40125 or 40164 or 48001 => WeChatErrorKind.Configuration,
                45103 or 45109 => WeChatErrorKind.Retired,
                _ => WeChatErrorKind.Other,
            },
        };
        return new WeChatError(kind, errcode, message, kind == WeChatErrorKind.BadData ? FieldOf(message) : null);
    }

    // errmsg of 47003 names the field, e.g. "argument invalid! data.thing14.value is empty rid: ...". It is the only
    // place WeChat says which field; when the wording changes the kind still holds, only Field becomes null.
    private static string? FieldOf(string errmsg)
    {
        var match = DataFieldPattern().Match(errmsg);
        return match.Success ? match.Groups[1].Value : null;
    }

    [GeneratedRegex(@"data\.([A-Za-z_]+[0-9]*)\.value")]
    private static partial Regex DataFieldPattern();
}

/// <summary>Which family of endpoint answered: errcodes mean different things on token, login and business endpoints.</summary>
internal enum WeChatEndpointKind { Token, Login, Business }
