using PushConsole.Credentials;
using PushConsole.Ledger;

namespace PushConsole.Persistence;

/// <summary>
/// The one place a database provider is turned into the classes holding its SQL: one class per store and provider,
/// behind one abstraction per store. A new provider adds one class per store and one case per method here.
/// </summary>
internal static class ProviderStores
{
    public static LedgerStore Ledger(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Sqlite => new SqliteLedgerStore(),
        DatabaseProvider.Postgres => new PostgresLedgerStore(),
        DatabaseProvider.SqlServer => new SqlServerLedgerStore(),
        _ => throw Unsupported(provider),
    };

    public static CredentialStore Credentials(DatabaseOptions database, ILoggerFactory loggers) => database.Provider switch
    {
        DatabaseProvider.Sqlite => new SqliteCredentialStore(database.ConnectionString, loggers.CreateLogger<SqliteCredentialStore>()),
        DatabaseProvider.Postgres => new PostgresCredentialStore(PostgresConnections.WithDefaults(database.ConnectionString)),
        DatabaseProvider.SqlServer => new SqlServerCredentialStore(database.ConnectionString),
        _ => throw Unsupported(database.Provider),
    };

    public static RunStore Runs(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Sqlite => new SqliteRunStore(),
        DatabaseProvider.Postgres => new PostgresRunStore(),
        DatabaseProvider.SqlServer => new SqlServerRunStore(),
        _ => throw Unsupported(provider),
    };

    private static InvalidOperationException Unsupported(DatabaseProvider provider) =>
        new($"Database:Provider '{provider}' is not supported.");
}
