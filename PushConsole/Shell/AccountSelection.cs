namespace PushConsole.Shell;

/// <summary>
/// The WeChat account chosen in the app bar for this circuit: pages about one account (credentials, templates,
/// campaigns, channels) start with it and follow it when it changes. Null means every account.
/// </summary>
public sealed class AccountSelection
{
    public int? AccountId { get; private set; }

    public event Action? Changed;

    public void Select(int? accountId)
    {
        if (AccountId == accountId)
        {
            return;
        }
        AccountId = accountId;
        Changed?.Invoke();
    }
}
