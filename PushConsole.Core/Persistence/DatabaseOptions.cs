using System.ComponentModel.DataAnnotations;

namespace PushConsole.Persistence;

public enum DatabaseProvider { Sqlite, Postgres, SqlServer }

/// <summary>The <c>Database</c> section plus <c>ConnectionStrings:PushConsole</c>.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Resolved connection string: <c>ConnectionStrings:PushConsole</c>, or for SQLite a file under <c>data/</c>.</summary>
    [Required]
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// Reads and checks the configuration. Throws <see cref="InvalidOperationException"/> with a one-line message
    /// naming the key, because a wrong provider must stop start-up before anything touches a database.
    /// </summary>
    public static DatabaseOptions FromConfiguration(IConfiguration configuration, string contentRoot)
    {
        var providerText = configuration[$"{Section}:Provider"];
        var provider = DatabaseProvider.Sqlite;
        if (!string.IsNullOrWhiteSpace(providerText) && !Enum.TryParse(providerText, ignoreCase: true, out provider))
        {
            throw new ConfigurationException(
                $"Database:Provider has the unknown value '{providerText}'; use 'Sqlite', 'Postgres' or 'SqlServer'.");
        }

        var connectionString = configuration.GetConnectionString("PushConsole");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            if (provider != DatabaseProvider.Sqlite)
            {
                throw new ConfigurationException(
                    $"ConnectionStrings:PushConsole is required when Database:Provider is '{provider}'.");
            }
            var dataDirectory = Path.Combine(contentRoot, "data");
            Directory.CreateDirectory(dataDirectory);
            connectionString = $"Data Source={Path.Combine(dataDirectory, "pushconsole.db")}";
        }
        CheckConnectionString(provider, connectionString);
        return new DatabaseOptions { Provider = provider, ConnectionString = connectionString };
    }

    /// <summary>
    /// A connection string the provider's driver cannot read stops start-up here, naming the key, instead of failing
    /// later inside a migration with the driver's own words. Nothing connects: a server that is down is not a
    /// configuration mistake.
    /// </summary>
    private static void CheckConnectionString(DatabaseProvider provider, string connectionString)
    {
        try
        {
            _ = provider switch
            {
                DatabaseProvider.Sqlite => new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString).ConnectionString,
                DatabaseProvider.Postgres => new Npgsql.NpgsqlConnectionStringBuilder(connectionString).ConnectionString,
                DatabaseProvider.SqlServer => new Microsoft.Data.SqlClient.SqlConnectionStringBuilder(connectionString).ConnectionString,
                _ => connectionString,
            };
        }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            throw new ConfigurationException(
                $"ConnectionStrings:PushConsole is not a valid {provider} connection string ({FirstLine(e.Message)}).");
        }
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
