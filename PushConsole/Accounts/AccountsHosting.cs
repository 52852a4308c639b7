namespace PushConsole.Accounts;

public static class AccountsHosting
{
    public static WebApplicationBuilder AddAccounts(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AccountSecretProtector>();
        builder.Services.AddSingleton<AccountService>();
        return builder;
    }
}
