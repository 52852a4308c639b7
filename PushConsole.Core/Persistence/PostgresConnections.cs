using System.Data.Common;
using Npgsql;

namespace PushConsole.Persistence;

/// <summary>
/// What every PostgreSQL connection of the console asks for unless the connection string says otherwise: statements run
/// often are prepared (Npgsql's automatic preparation, <c>Max Auto Prepare</c>) and planned once for all their parameter
/// values (<c>plan_cache_mode=force_generic_plan</c>).
/// </summary>
/// <remarks>
/// The send path's statements (the lane's inserts, the claim and take, the outcome write) are short but not simple:
/// unnest over arrays, CTEs, CASEs. Planned again at each execution they cost the server about a fifth of its CPU per
/// transactional message (perf: the planner, parser and analyzer); prepared with PostgreSQL's default plan choice they
/// kept their custom plans and cost the same (measured). They reach their rows by ids, arrays of ids, a run or a user,
/// through an index whichever the values, so a generic plan is the plan a custom one would be. An operator behind a pooler that cannot keep prepared statements
/// (PgBouncer in transaction mode before 1.21) sets <c>Max Auto Prepare=0</c>; either setting given in the connection
/// string is kept as given.
/// </remarks>
public static class PostgresConnections
{
    public const int MaxAutoPrepare = 64;

    public const string GenericPlans = "-c plan_cache_mode=force_generic_plan";

    /// <summary>The connection string with the console's defaults added where it is silent.</summary>
    public static string WithDefaults(string connectionString)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var keys = given.Keys.Cast<string>().Select(k => k.Replace(" ", "", StringComparison.Ordinal)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!keys.Contains("MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = MaxAutoPrepare;
        }
        if (builder.Options?.Contains("plan_cache_mode", StringComparison.OrdinalIgnoreCase) != true)
        {
            builder.Options = string.IsNullOrWhiteSpace(builder.Options) ? GenericPlans : $"{builder.Options} {GenericPlans}";
        }
        return builder.ConnectionString;
    }
}
