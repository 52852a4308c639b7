using System.ComponentModel.DataAnnotations;

namespace PushConsole.Persistence;

public enum DatabaseProvider { Sqlite, Postgres }

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
                $"Database:Provider has the unknown value '{providerText}'; use 'Sqlite' or 'Postgres'.");
        }

        var connectionString = configuration.GetConnectionString("PushConsole");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            if (provider == DatabaseProvider.Postgres)
            {
                throw new ConfigurationException(
                    "ConnectionStrings:PushConsole is required when Database:Provider is 'Postgres'.");
            }
            var dataDirectory = Path.Combine(contentRoot, "data");
            Directory.CreateDirectory(dataDirectory);
            connectionString = $"Data Source={Path.Combine(dataDirectory, "pushconsole.db")}";
        }
        return new DatabaseOptions { Provider = provider, ConnectionString = connectionString };
    }
}
