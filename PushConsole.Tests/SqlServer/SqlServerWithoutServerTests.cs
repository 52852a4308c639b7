using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Options;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using PushConsole.Credentials;
using PushConsole.Hosting;
using PushConsole.Ledger;
using PushConsole.Persistence;
using Quartz;

namespace PushConsole.Tests.SqlServer;

/// <summary>
/// What can be known about SQL Server without one: the model needs no new migration on any provider, SQL Server's
/// parser accepts the migration script, Quartz.NET's schema and every hand-written T-SQL statement, the schema keeps
/// within SQL Server's index limits, and configuration alone selects and wires SQL Server. Nothing here connects; the
/// provider suites run on a real server when PUSHCONSOLE_TEST_SQLSERVER names one (<see cref="Infrastructure.ProviderDataAttribute"/>).
/// </summary>
public class SqlServerWithoutServerTests
{
    private const string UnreachableSqlServer = "Server=127.0.0.1,1;Database=pushconsole;User Id=sa;Password=never-used;TrustServerCertificate=true";

    private static readonly Dictionary<DatabaseProvider, string> UnopenedConnectionStrings = new()
    {
        [DatabaseProvider.Sqlite] = "Data Source=never-opened.db",
        [DatabaseProvider.Postgres] = "Host=127.0.0.1;Port=1;Database=never_opened",
        [DatabaseProvider.SqlServer] = UnreachableSqlServer,
    };

    private static PushConsoleDbContext ContextFor(DatabaseProvider provider)
    {
        var options = new DbContextOptionsBuilder<PushConsoleDbContext>();
        DatabaseServiceCollectionExtensions.Configure(options,
            new DatabaseOptions { Provider = provider, ConnectionString = UnopenedConnectionStrings[provider] });
        return new PushConsoleDbContext(options.Options);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [InlineData(DatabaseProvider.SqlServer)]
    public void The_model_has_no_change_that_the_providers_migrations_lack(DatabaseProvider provider)
    {
        using var db = ContextFor(provider);

        Assert.NotEmpty(db.Database.GetMigrations());
        Assert.False(db.Database.HasPendingModelChanges(),
            $"The model has changes the {provider} migrations lack: run scripts/regen-migrations.sh (or add-migration.sh).");
    }

    [Fact]
    public void The_idempotent_SQL_Server_migration_script_parses_without_errors()
    {
        using var db = ContextFor(DatabaseProvider.SqlServer);
        var script = db.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);

        Assert.Contains("CREATE TABLE [Credentials]", script);
        AssertParses("idempotent migration script", script);
    }

    [Fact]
    public void Quartz_NETs_SQL_Server_schema_script_parses_without_errors()
    {
        using var stream = typeof(IScheduler).Assembly.GetManifestResourceStream("Quartz.Impl.AdoJobStore.Schema.create_sqlServer.sql");
        Assert.NotNull(stream);
        using var reader = new StreamReader(stream);
        // As the job store provisions it: {0} is the table prefix, {1} the prefix without a schema, and each piece
        // between lines reading "--;;" is sent as one command.
        var pieces = reader.ReadToEnd().Replace("{0}", "QRTZ_").Replace("{1}", "QRTZ_")
            .Split(["\r\n--;;\r\n", "\n--;;\n"], StringSplitOptions.RemoveEmptyEntries);

        Assert.Contains(pieces, p => p.Contains("CREATE TABLE QRTZ_SCHEDULER_STATE", StringComparison.Ordinal));
        for (var i = 0; i < pieces.Length; i++)
        {
            AssertParses($"create_sqlServer.sql piece {i}", pieces[i]);
        }
    }

    /// <summary>Every statement a SQL Server class declares under [TransactSql], one row each.</summary>
    public static TheoryData<string, int> HandWrittenStatements()
    {
        var data = new TheoryData<string, int>();
        foreach (var (owner, statements) in DeclaredStatements())
        {
            for (var i = 0; i < statements.Count; i++)
            {
                data.Add(owner, i);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(HandWrittenStatements))]
    public void A_hand_written_T_SQL_statement_parses_without_errors(string owner, int index)
    {
        var statement = DeclaredStatements().Single(d => d.Owner == owner).Statements[index];

        AssertParses($"{owner} statement {index}", statement);
    }

    [Fact]
    public void Every_SQL_Server_class_declares_its_statements_for_the_parser_check()
    {
        var declaring = DeclaredStatements().Select(d => d.Owner).ToHashSet();
        var sqlServerClasses = typeof(PushConsoleDbContext).Assembly.GetTypes()
            .Where(t => t.Name.StartsWith("SqlServer", StringComparison.Ordinal) && !t.IsNested)
            .Select(t => t.FullName!).ToList();

        Assert.NotEmpty(sqlServerClasses);
        Assert.All(sqlServerClasses, name => Assert.Contains(name, declaring));
        Assert.All(DeclaredStatements(), d => Assert.NotEmpty(d.Statements));
    }

    [Fact]
    public void The_SQL_Server_schema_keeps_every_index_key_within_SQL_Servers_limits()
    {
        using var db = ContextFor(DatabaseProvider.SqlServer);
        var model = db.GetService<IDesignTimeModel>().Model.GetRelationalModel();
        var problems = new List<string>();
        foreach (var table in model.Tables)
        {
            var keys = table.Indexes.Select(i => (i.Name, i.Columns, Limit: 1700))
                .Concat(table.UniqueConstraints.Select(u => (u.Name, u.Columns, Limit: u.GetIsPrimaryKey() ? 900 : 1700)));
            foreach (var (name, columns, limit) in keys)
            {
                var bytes = 0;
                foreach (var column in columns)
                {
                    var size = KeyBytes(column.StoreType);
                    if (size is null)
                    {
                        problems.Add($"{table.Name}.{name}: {column.Name} is {column.StoreType}, which cannot be an index key");
                    }
                    bytes += size ?? 0;
                }
                // ASP.NET Identity's own keys (three nvarchar(450)) exceed 900 bytes by design; only their values' real lengths count.
                if (bytes > limit && !table.Name.StartsWith("AspNet", StringComparison.Ordinal))
                {
                    problems.Add($"{table.Name}.{name}: {bytes} bytes of key, more than SQL Server's {limit}");
                }
            }
        }

        Assert.Empty(problems);
    }

    [Fact]
    public void The_console_built_with_the_SqlServer_provider_resolves_every_store_and_a_clustered_SQL_Server_job_store()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = "Testing",
            Args =
            [
                "--Database:Provider=SqlServer",
                $"--ConnectionStrings:PushConsole={UnreachableSqlServer}",
                "--Scheduler:Clustered=true",
                "--Demo:Enabled=false",
            ],
        });
        builder.AddConsole();
        using var app = builder.Build();
        var services = app.Services;

        Assert.Equal(DatabaseProvider.SqlServer, services.GetRequiredService<DatabaseOptions>().Provider);
        using (var scope = services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PushConsoleDbContext>();
            Assert.True(db.Database.IsSqlServer());
            Assert.Equal(DatabaseServiceCollectionExtensions.SqlServerMigrationsAssembly,
                RelationalOptionsExtension.Extract(db.GetService<IDbContextOptions>()).MigrationsAssembly);
        }
        Assert.IsType<SqlServerCredentialStore>(services.GetRequiredService<CredentialStore>());
        Assert.NotNull(services.GetRequiredService<CredentialPool>());
        Assert.NotNull(services.GetRequiredService<CredentialIntake>());
        Assert.NotNull(services.GetRequiredService<InventoryQuery>());
        Assert.NotNull(services.GetRequiredService<DeliveryLedger>());
        Assert.IsType<SqlServerRunStore>(services.GetRequiredService<RunStore>());
        Assert.IsType<SqlServerLedgerStore>(ProviderStores.Ledger(DatabaseProvider.SqlServer));
        Assert.NotNull(services.GetRequiredService<DatabaseMigrator>());
        Assert.NotNull(services.GetRequiredService<ISchedulerFactory>());
        // Quartz.NET 4.7 keeps its store settings as typed options: the store names its data source, which names the driver.
        var store = services.GetRequiredService<IOptions<AdoJobStoreOptions>>().Value;
        var source = services.GetRequiredService<IOptionsMonitor<DataSourceOptions>>().Get(store.DataSource);
        Assert.Equal(DataSourceOptions.Providers.SqlServer, source.Provider);
        Assert.Equal(UnreachableSqlServer, source.ConnectionString);
        Assert.True(services.GetRequiredService<IOptions<ClusteringOptions>>().Value.Enabled);
    }

    [Fact]
    public void SqlServer_without_a_connection_string_stops_start_up_naming_the_key()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:Provider"] = "SqlServer",
        }).Build();

        var error = Assert.Throws<ConfigurationException>(() => (object)DatabaseOptions.FromConfiguration(configuration, Path.GetTempPath()));

        Assert.Contains("ConnectionStrings:PushConsole", error.Message);
        Assert.Contains("SqlServer", error.Message);
    }

    [Fact]
    public void A_connection_string_SQL_Server_cannot_read_stops_start_up_with_one_line_naming_the_key()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:Provider"] = "SqlServer",
            ["ConnectionStrings:PushConsole"] = "Host=127.0.0.1;Username=postgres",
        }).Build();

        var error = Assert.Throws<ConfigurationException>(() => (object)DatabaseOptions.FromConfiguration(configuration, Path.GetTempPath()));

        Assert.StartsWith("ConnectionStrings:PushConsole is not a valid SqlServer connection string", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    private static void AssertParses(string what, string sql)
    {
        var parser = new TSql160Parser(initialQuotedIdentifiers: true);
        parser.Parse(new StringReader(sql), out var errors);
        Assert.True(errors.Count == 0,
            $"{what} does not parse as T-SQL:\n" + string.Join("\n", errors.Select(e => $"line {e.Line}, column {e.Column}: {e.Message}")) + "\n" + sql);
    }

    private static List<(string Owner, IReadOnlyList<string> Statements)> DeclaredStatements()
    {
        const BindingFlags Static = BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        var result = new List<(string, IReadOnlyList<string>)>();
        foreach (var type in typeof(PushConsoleDbContext).Assembly.GetTypes())
        {
            var members = type.GetProperties(Static).Where(p => p.IsDefined(typeof(TransactSqlAttribute))).Select(p => p.GetValue(null))
                .Concat(type.GetMethods(Static).Where(m => m.IsDefined(typeof(TransactSqlAttribute))).Select(m => m.Invoke(null, null)))
                .ToList();
            if (members.Count > 0)
            {
                result.Add((type.FullName!, members.SelectMany(m => (IEnumerable<string>)m!).ToList()));
            }
        }
        return result.OrderBy(r => r.Item1, StringComparer.Ordinal).ToList();
    }

    /// <summary>Bytes a value of this store type takes in an index key; null when it cannot be a key (max types).</summary>
    private static int? KeyBytes(string storeType)
    {
        var type = storeType.ToLowerInvariant();
        if (type.Contains("(max)"))
        {
            return null;
        }
        var open = type.IndexOf('(');
        var length = open < 0 ? 0 : int.Parse(type[(open + 1)..type.IndexOf(')')].Split(',')[0], System.Globalization.CultureInfo.InvariantCulture);
        var name = open < 0 ? type : type[..open];
        return name switch
        {
            "nvarchar" or "nchar" => 2 * length,
            "varchar" or "char" or "varbinary" or "binary" => length,
            "bigint" => 8,
            "int" => 4,
            "smallint" => 2,
            "tinyint" or "bit" => 1,
            "datetimeoffset" => 10,
            "datetime2" or "datetime" => 8,
            "date" => 3,
            "uniqueidentifier" => 16,
            "float" => 8,
            "real" => 4,
            "decimal" or "numeric" => 17,
            _ => 8,
        };
    }
}
