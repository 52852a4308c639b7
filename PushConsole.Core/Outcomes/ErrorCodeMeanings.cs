namespace PushConsole.Outcomes;

/// <summary>What WeChat's errcodes mean, for people reading the outcomes (facts sheet §9).</summary>
public static class ErrorCodeMeanings
{
    private static readonly Dictionary<int, string> Meanings = new()
    {
        [-1] = "WeChat busy or no answer (network, timeout): retried with backoff",
        [40001] = "Access token invalid or superseded (or wrong AppSecret)",
        [40003] = "Invalid openid: not a user of this app",
        [40013] = "Invalid AppID",
        [40014] = "Malformed access token",
        [40037] = "Template id wrong or deleted",
        [40125] = "Invalid AppSecret",
        [40164] = "Server IP not in the account's whitelist",
        [41028] = "formId invalid, expired or of another user",
        [41029] = "formId already used",
        [41030] = "Page path invalid",
        [42001] = "Access token expired",
        [43004] = "Recipient does not follow the official account",
        [43101] = "User has no subscription grant left for the template",
        [45009] = "Daily API quota used up",
        [45011] = "Per-minute API limit reached",
        [45103] = "API retired by WeChat (mini program template messages, 2020)",
        [45109] = "API recalled by WeChat (uniform_send, 2023)",
        [47001] = "Malformed request body",
        [47003] = "A template field value breaks its rule",
        [48001] = "API not authorised for this account",
        [48004] = "API banned for irregularities",
        [50002] = "Account limited (frozen, migrating or cancelled)",
    };

    public static string Of(int? errCode) => errCode is { } code
        ? Meanings.TryGetValue(code, out var meaning) ? meaning : "Unknown errcode (see WeChat's global error codes)"
        : "No errcode";
}
