namespace PushConsole.Accounts;

public static class AccountsHosting
{
    public static WebApplicationBuilder AddAccounts(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AccountOptions>()
            .Bind(builder.Configuration.GetSection(AccountOptions.Section))
            .Validate(o => o.AllowedApiBaseUrls.Where(e => !string.IsNullOrWhiteSpace(e)).All(entry =>
                    Uri.TryCreate(entry.Trim().EndsWith(":*", StringComparison.Ordinal) ? entry.Trim()[..^2] : entry.Trim(), UriKind.Absolute, out var url)
                    && url.Scheme is "https" or "http"),
                "Accounts:AllowedApiBaseUrls holds an entry that is not an http(s) origin such as https://wechat-proxy.example.com or http://127.0.0.1:*.")
            .ValidateOnStart();
        builder.Services.AddSingleton<ApiHostPolicy>();
        builder.Services.AddSingleton<AccountSecretProtector>();
        builder.Services.AddSingleton<AccountService>();
        return builder;
    }
}
