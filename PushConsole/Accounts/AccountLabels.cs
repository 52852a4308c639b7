using PushConsole.Accounts;

namespace PushConsole.Accounts;

public static class AccountLabels
{
    public static string Of(AccountKind kind) => kind switch
    {
        AccountKind.MiniProgram => "Mini program",
        AccountKind.OfficialAccount => "Official account",
        _ => kind.ToString(),
    };

    public static readonly IReadOnlyList<KeyValuePair<AccountKind, string>> Kinds =
        Enum.GetValues<AccountKind>().Select(k => KeyValuePair.Create(k, Of(k))).ToList();
}
