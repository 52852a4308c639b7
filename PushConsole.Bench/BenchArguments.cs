using PushConsole.Persistence;

namespace PushConsole.Bench;

/// <summary>Command-line options shared by the bench commands: <c>--name value</c> pairs after the command.</summary>
public sealed class BenchArguments
{
    private readonly Dictionary<string, string> values = new(StringComparer.OrdinalIgnoreCase);

    public BenchArguments(IEnumerable<string> args)
    {
        string? name = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                name = arg[2..];
                values[name] = "true";
            }
            else if (name is not null)
            {
                values[name] = arg;
                name = null;
            }
            else
            {
                throw new ArgumentException($"Unexpected argument '{arg}'.");
            }
        }
    }

    public string Text(string name, string fallback) => values.GetValueOrDefault(name, fallback);

    public int Number(string name, int fallback) => values.TryGetValue(name, out var v) ? int.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : fallback;

    public DatabaseProvider Provider => Text("provider", "sqlite").ToLowerInvariant() switch
    {
        "sqlite" => DatabaseProvider.Sqlite,
        "postgres" or "postgresql" => DatabaseProvider.Postgres,
        var other => throw new ArgumentException($"--provider is sqlite or postgres, not '{other}'."),
    };

    /// <summary>The admin connection of a PostgreSQL server the bench may create a database on.</summary>
    public string PostgresAdmin => Text("postgres", Environment.GetEnvironmentVariable("PUSHCONSOLE_BENCH_POSTGRES") ?? "")
        is { Length: > 0 } cs ? cs
        : throw new ArgumentException("PostgreSQL needs --postgres \"Host=...;Username=...;Database=postgres\" or PUSHCONSOLE_BENCH_POSTGRES (scripts/bench.sh starts one).");
}
