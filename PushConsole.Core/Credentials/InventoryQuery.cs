using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using PushConsole.Persistence;

namespace PushConsole.Credentials;

/// <summary>
/// Computes <see cref="Inventory"/> from the rows: nothing is a stored counter, so nothing drifts. All figures are
/// read in one snapshot transaction, so they agree with each other even while intake and claims run.
/// </summary>
public sealed class InventoryQuery
{
    public const int DailyDays = 14;
    public const int TopUserCount = 10;

    private const string Usable = "\"Status\" = 1 AND (\"ExpiresAt\" IS NULL OR \"ExpiresAt\" > @now)";

    private readonly CredentialStore store;
    private readonly IDbContextFactory<PushConsoleDbContext> contexts;
    private readonly TimeProvider time;

    internal InventoryQuery(CredentialStore store, IDbContextFactory<PushConsoleDbContext> contexts, TimeProvider time)
    {
        this.store = store;
        this.contexts = contexts;
        this.time = time;
    }

    /// <summary>The inventory of an account, or null when there is no such account.</summary>
    public async Task<Inventory?> GetAsync(int accountId, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        string timeZoneId;
        Dictionary<int, (string WeChatId, string Title)> templates;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            var account = await db.Accounts.AsNoTracking().Where(a => a.Id == accountId)
                .Select(a => new { a.TimeZone }).SingleOrDefaultAsync(cancellationToken);
            if (account is null)
            {
                return null;
            }
            timeZoneId = account.TimeZone;
            templates = await db.Templates.AsNoTracking().Where(t => t.AccountId == accountId)
                .ToDictionaryAsync(t => t.Id, t => (t.WeChatTemplateId, t.Title), cancellationToken);
        }
        var zone = FindZone(timeZoneId);
        var days = DayBoundaries(now, zone);

        var (connection, snapshot) = await store.OpenSnapshotAsync(cancellationToken);
        await using var _ = connection;
        await using var __ = snapshot;
        var sql = new Sql(connection, snapshot, store, accountId, now);

        var available = new List<KindInventory>();
        await sql.ReadAsync(AvailableSql, r => available.Add(new KindInventory((CredentialKind)r.GetInt32(0), Convert.ToInt32(r.GetValue(1)), Convert.ToInt32(r.GetValue(2)))), cancellationToken);

        var grants = new List<TemplateGrants>();
        await sql.ReadAsync(GrantsSql, r =>
            {
                var id = r.GetInt32(0);
                var (weChatId, title) = templates.GetValueOrDefault(id, ("", ""));
                grants.Add(new TemplateGrants(id, weChatId, title, Convert.ToInt32(r.GetValue(1))));
            }, cancellationToken);
        grants.Sort((a, b) => b.Grants != a.Grants ? b.Grants.CompareTo(a.Grants) : a.TemplateId.CompareTo(b.TemplateId));

        int within24 = 0, within48 = 0;
        sql.Add("h24", store.Instant(now.AddHours(24)));
        sql.Add("h48", store.Instant(now.AddHours(48)));
        await sql.ReadAsync(ExpiringSql, r => { within24 = Convert.ToInt32(r.GetValue(0)); within48 = Convert.ToInt32(r.GetValue(1)); }, cancellationToken);

        int one = 0, twoToFive = 0, sixToTen = 0, moreThanTen = 0;
        await sql.ReadAsync(SpreadSql, r =>
            {
                var n = Convert.ToInt64(r.GetValue(0));
                var users = Convert.ToInt32(r.GetValue(1));
                switch (n)
                {
                    case 1: one += users; break;
                    case <= 5: twoToFive += users; break;
                    case <= 10: sixToTen += users; break;
                    default: moreThanTen += users; break;
                }
            }, cancellationToken);

        var known = Convert.ToInt32(await sql.ScalarAsync(KnownUsersSql, cancellationToken));
        var none = Convert.ToInt32(await sql.ScalarAsync(UsersWithoutCredentialsSql, cancellationToken));

        var top = new List<UserCredentials>();
        await sql.ReadAsync(TopUsersSql(store.FirstRows(TopUserCount)), r => top.Add(new UserCredentials(r.GetString(0), Convert.ToInt32(r.GetValue(1)))), cancellationToken);

        // Days are cut in the account's time zone; CASE over the boundaries works the same on both databases.
        for (var i = 0; i < days.Length; i++)
        {
            sql.Add($"d{i}", store.Instant(days[i]));
        }
        var inflow = new int[DailyDays];
        await sql.ReadAsync(InflowSql, r => inflow[Convert.ToInt32(r.GetValue(0))] = Convert.ToInt32(r.GetValue(1)), cancellationToken);
        var expired = new int[DailyDays];
        await sql.ReadAsync(ExpiredSql, r => expired[Convert.ToInt32(r.GetValue(0))] = Convert.ToInt32(r.GetValue(1)), cancellationToken);
        await snapshot.CommitAsync(cancellationToken);

        var daily = Enumerable.Range(0, DailyDays)
            .Select(i => new DailyFlow(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(days[i], zone).DateTime), inflow[i], expired[i]))
            .ToList();
        var reachable = one + twoToFive + sixToTen + moreThanTen;
        return new Inventory(accountId, now, zone.Id, known, reachable, available, grants, within24, within48,
            new UserDistribution(none, one, twoToFive, sixToTen, moreThanTen), daily, top);
    }

    private static readonly string AvailableSql = $"""
        SELECT "Kind", COUNT(*), SUM("UsesLeft") FROM "Credentials"
        WHERE "AccountId" = @account AND {Usable} GROUP BY "Kind" ORDER BY "Kind"
        """;

    private static readonly string GrantsSql = $"""
        SELECT "TemplateId", COUNT(*) FROM "Credentials"
        WHERE "AccountId" = @account AND {Usable} AND "TemplateId" IS NOT NULL GROUP BY "TemplateId"
        """;

    private static readonly string ExpiringSql = """
        SELECT COUNT(CASE WHEN "ExpiresAt" <= @h24 THEN 1 END), COUNT(*) FROM "Credentials"
        WHERE "AccountId" = @account AND "Status" = 1 AND "ExpiresAt" > @now AND "ExpiresAt" <= @h48
        """;

    private static readonly string SpreadSql = $"""
        SELECT n, COUNT(*) FROM (
            SELECT COUNT(*) AS n FROM "Credentials" WHERE "AccountId" = @account AND {Usable} GROUP BY "OpenId") AS per_user
        GROUP BY n
        """;

    private const string KnownUsersSql = """SELECT COUNT(*) FROM "MiniProgramUsers" WHERE "AccountId" = @account""";

    private const string UsersWithoutCredentialsSql = """
        SELECT COUNT(*) FROM "MiniProgramUsers" AS u WHERE u."AccountId" = @account AND NOT EXISTS (
            SELECT 1 FROM "Credentials" AS c
            WHERE c."AccountId" = @account AND c."OpenId" = u."OpenId" AND c."Status" = 1
              AND (c."ExpiresAt" IS NULL OR c."ExpiresAt" > @now))
        """;

    private static string TopUsersSql(string firstRows) => $"""
        SELECT "OpenId", COUNT(*) AS n FROM "Credentials" WHERE "AccountId" = @account AND {Usable}
        GROUP BY "OpenId" ORDER BY n DESC, "OpenId" {firstRows}
        """;

    // The day is computed in a derived table and grouped outside it: SQL Server cannot GROUP BY a select-list alias.
    private static readonly string DayBucket =
        $"CASE {string.Join(" ", Enumerable.Range(1, DailyDays - 1).Select(i => $"WHEN t < @d{i} THEN {i - 1}"))} ELSE {DailyDays - 1} END";

    private static readonly string InflowSql = $"""
        SELECT day, COUNT(*) FROM (
            SELECT {DayBucket} AS day FROM (
                SELECT "ReceivedAt" AS t FROM "Credentials"
                WHERE "AccountId" = @account AND "ReceivedAt" >= @d0 AND "ReceivedAt" < @d{DailyDays}) AS received) AS days
        GROUP BY day
        """;

    private static readonly string ExpiredSql = $"""
        SELECT day, COUNT(*) FROM (
            SELECT {DayBucket} AS day FROM (
                SELECT "ClosedAt" AS t FROM "Credentials"
                WHERE "AccountId" = @account AND "Status" <> 1 AND "Status" = 3 AND "ClosedAt" >= @d0 AND "ClosedAt" < @d{DailyDays}
                UNION ALL
                SELECT "ExpiresAt" AS t FROM "Credentials"
                WHERE "AccountId" = @account AND "Status" = 1 AND "ExpiresAt" >= @d0 AND "ExpiresAt" < @d{DailyDays} AND "ExpiresAt" <= @now) AS lapsed) AS days
        GROUP BY day
        """;

    /// <summary>Every statement of the inventory as SQL Server receives it (they are shared by the three databases).</summary>
    [TransactSql]
    private static IEnumerable<string> SqlServerStatements =>
    [
        AvailableSql, GrantsSql, ExpiringSql, SpreadSql, KnownUsersSql, UsersWithoutCredentialsSql,
        TopUsersSql(SqlServerDatabase.FirstRows(TopUserCount)), InflowSql, ExpiredSql,
    ];

    /// <summary>Local midnights: the start of each of the last 14 days and the end of today (15 instants).</summary>
    internal static DateTimeOffset[] DayBoundaries(DateTimeOffset now, TimeZoneInfo zone)
    {
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        return Enumerable.Range(0, DailyDays + 1)
            .Select(i => LocalMidnight(today.AddDays(i - DailyDays + 1), zone)).ToArray();
    }

    private static DateTimeOffset LocalMidnight(DateOnly date, TimeZoneInfo zone)
    {
        var local = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        // A midnight skipped by a DST change: the day starts at the first valid instant after it.
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(30);
        }
        return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
    }

    private static TimeZoneInfo FindZone(string id) =>
        TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : TimeZoneInfo.Utc;

    /// <summary>Runs statements of one snapshot with the parameters they share.</summary>
    private sealed class Sql(DbConnection connection, DbTransaction snapshot, CredentialStore store, int accountId, DateTimeOffset now)
    {
        private readonly Dictionary<string, object> parameters = new()
        {
            ["account"] = accountId,
            ["now"] = store.Instant(now),
        };

        public void Add(string name, object value) => parameters[name] = value;

        public async Task ReadAsync(string text, Action<DbDataReader> row, CancellationToken cancellationToken)
        {
            await using var command = Create(text);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                row(reader);
            }
        }

        public async Task<object?> ScalarAsync(string text, CancellationToken cancellationToken)
        {
            await using var command = Create(text);
            return await command.ExecuteScalarAsync(cancellationToken);
        }

        private DbCommand Create(string text)
        {
            var command = connection.CreateCommand();
            command.Transaction = snapshot;
            command.CommandText = text;
            foreach (var (name, value) in parameters)
            {
                // Only what the statement names: Npgsql rejects unused parameters in some cases, SQLite ignores them.
                if (text.Contains("@" + name, StringComparison.Ordinal) && IsWholeName(text, name))
                {
                    var parameter = command.CreateParameter();
                    parameter.ParameterName = "@" + name;
                    parameter.Value = value;
                    command.Parameters.Add(parameter);
                }
            }
            return command;
        }

        private static bool IsWholeName(string text, string name)
        {
            var at = 0;
            while ((at = text.IndexOf("@" + name, at, StringComparison.Ordinal)) >= 0)
            {
                var end = at + 1 + name.Length;
                if (end >= text.Length || !char.IsLetterOrDigit(text[end]))
                {
                    return true;
                }
                at = end;
            }
            return false;
        }
    }
}
