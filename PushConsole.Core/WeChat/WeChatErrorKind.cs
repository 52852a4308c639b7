namespace PushConsole.WeChat;

/// <summary>What a WeChat failure means for the caller. Keyed on errcode, never on errmsg (WeChat rewords it).</summary>
public enum WeChatErrorKind
{
    /// <summary>40001/40014/42001 on a business API: the access token was superseded, malformed or expired.</summary>
    TokenInvalid = 1,
    /// <summary>41028: formId/prepay_id invalid, expired or of another user; 40029 on login: invalid code.</summary>
    CredentialInvalid,
    /// <summary>41029: formId/prepay_id used up; 40163 on login: code already used.</summary>
    CredentialUsed,
    /// <summary>43101: the user has no remaining subscribe grant for this template.</summary>
    NoGrant,
    /// <summary>43004: the recipient does not follow the official account.</summary>
    NotFollowing,
    /// <summary>40003: the openid is not a user of this app.</summary>
    InvalidRecipient,
    /// <summary>40037: the template id is wrong or deleted.</summary>
    BadTemplate,
    /// <summary>47003: a data field value breaks its rule; <see cref="WeChatError.Field"/> names it.</summary>
    BadData,
    /// <summary>45009: the daily quota of this API is spent.</summary>
    QuotaExceeded,
    /// <summary>45011: the per-minute limit is reached.</summary>
    RateLimited,
    /// <summary>-1 (system busy), HTTP 5xx, timeout or network failure: worth retrying soon.</summary>
    Transient,
    /// <summary>The account is set up wrongly: bad appid/secret, IP not whitelisted, API not authorised, bad API host.</summary>
    Configuration,
    /// <summary>45103/45109: WeChat has retired this API.</summary>
    Retired,
    /// <summary>Anything else; <see cref="WeChatError.ErrCode"/> and <see cref="WeChatError.ErrMsg"/> say what.</summary>
    Other,
}
