using PushConsole.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PushConsole.Accounts;
using PushConsole.Persistence;
using PushConsole.WeChat;

namespace PushConsole.Tests.WeChat;

/// <summary>
/// One console node as far as the WeChat client is concerned: its own service provider (token cache, rate buckets,
/// HTTP pool) on a database it may share with other nodes.
/// </summary>
public sealed class ConsoleNode : IAsyncDisposable
{
    private static int nextAccountId;
    private readonly ServiceProvider services;

    private ConsoleNode(ServiceProvider services, DatabaseOptions database)
    {
        this.services = services;
        Database = database;
        Clients = services.GetRequiredService<IWeChatClientFactory>();
    }

    public DatabaseOptions Database { get; }
    public IWeChatClientFactory Clients { get; }
    public IServiceProvider Services => services;

    /// <summary>
    /// Test defaults keep retries quick; <paramref name="settings"/> override keys of the WeChat section;
    /// <paramref name="time"/> is the node's clock (the system's when null).
    /// </summary>
    public static async Task<ConsoleNode> StartAsync(DatabaseOptions database, IDictionary<string, string?>? settings = null,
        TimeProvider? time = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["WeChat:AttemptTimeout"] = "00:00:05",
            ["WeChat:MaxRetries"] = "3",
            ["WeChat:RetryBaseDelay"] = "00:00:00.010",
            ["WeChat:RetryMaxDelay"] = "00:00:00.100",
            ["WeChat:TokenPollInterval"] = "00:00:00.020",
            ["WeChat:TokenLeaseDuration"] = "00:00:10",
            ["WeChat:TokenWaitTimeout"] = "00:00:30",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var collection = new ServiceCollection();
        collection.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        if (time is not null)
        {
            collection.AddSingleton(time);
        }
        collection.AddPushConsoleDatabase(database);
        collection.AddWeChatClient(configuration);
        var provider = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        await new DatabaseMigrator(provider.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<PushConsoleDbContext>>(),
            database, NullLogger<DatabaseMigrator>.Instance).MigrateAsync();
        return new ConsoleNode(provider, database);
    }

    /// <summary>The console's account for a simulator app, with the secret encrypted as the Accounts page would store it.</summary>
    public WeChatAccount Account(SimulatorServer server, SimulatedApp app, TokenMode mode = TokenMode.Stable, int sendRatePerSecond = 100_000, int? id = null) =>
        new()
        {
            Id = id ?? Interlocked.Increment(ref nextAccountId),
            Name = app.AppId,
            Kind = app.Kind,
            AppId = app.AppId,
            SecretCipher = services.GetRequiredService<AccountSecretProtector>().Protect(app.Secret),
            ApiBaseUrl = server.ApiBaseUrl,
            TokenMode = mode,
            SendRatePerSecond = sendRatePerSecond,
        };

    public WeChatClient ClientFor(WeChatAccount account) => Clients.For(account);

    public async ValueTask DisposeAsync() => await services.DisposeAsync();
}
