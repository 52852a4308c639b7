using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using PushConsole.Persistence;

namespace PushConsole.Credentials;

/// <summary>
/// Computes <see cref="Inventory"/> from the credential tallies (<see cref="CredentialTally"/>, <see cref="CredentialHolder"/>,
/// <see cref="HolderSpread"/>, <see cref="CredentialQuarter"/>), which every write keeps in step with the rows in its
/// own transaction, so a call reads a few thousand tally rows instead of the credential rows. "Usable" also depends on
/// the clock: the tallies count open rows, and the rows past their expiry that the sweep has not closed yet (a range of
/// the expiry index, short when the sweep runs on time) are read and taken off, so the figures stay exact. All figures
/// are read in one snapshot transaction, so they agree with each other even while intake and claims run.
/// </summary>
public sealed class InventoryQuery
{
    public const int DailyDays = 14;
    public const int TopUserCount = 10;

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

        // Open credentials by kind, template and expiry quarter.
        var pool = new Dictionary<(CredentialKind Kind, int Template, long Quarter), (long Credentials, long Uses)>();
        await sql.ReadAsync(PoolSql, r => pool[((CredentialKind)r.GetInt32(0), r.GetInt32(1), r.GetInt64(2))] = (r.GetInt64(3), r.GetInt64(4)), cancellationToken);

        // Open rows already past their expiry: not usable, so taken off every figure, and counted as expired on their day.
        var lapsedPerUser = new Dictionary<string, int>(StringComparer.Ordinal);
        var lapsedAt = new List<DateTimeOffset>();
        await sql.ReadAsync(LapsedSql, r =>
            {
                var openId = r.GetString(0);
                var kind = (CredentialKind)r.GetInt32(1);
                var template = r.IsDBNull(2) ? 0 : r.GetInt32(2);
                var expiresAt = store.ReadInstant(r, 3);
                var key = (kind, template, Quarters.Of(expiresAt));
                var (c, u) = pool.GetValueOrDefault(key);
                pool[key] = (c - 1, u - r.GetInt32(4));
                lapsedPerUser[openId] = lapsedPerUser.GetValueOrDefault(openId) + 1;
                lapsedAt.Add(expiresAt);
            }, cancellationToken);

        var available = pool.GroupBy(p => p.Key.Kind)
            .Select(g => new KindInventory(g.Key, (int)g.Sum(p => p.Value.Credentials), (int)g.Sum(p => p.Value.Uses)))
            .Where(k => k.Credentials > 0).OrderBy(k => k.Kind).ToList();
        var grants = pool.Where(p => p.Key.Kind == CredentialKind.SubscribeGrant).GroupBy(p => p.Key.Template)
            .Select(g =>
            {
                var (weChatId, title) = templates.GetValueOrDefault(g.Key, ("", ""));
                return new TemplateGrants(g.Key, weChatId, title, (int)g.Sum(p => p.Value.Credentials));
            })
            .Where(t => t.Grants > 0).ToList();
        grants.Sort((a, b) => b.Grants != a.Grants ? b.Grants.CompareTo(a.Grants) : a.TemplateId.CompareTo(b.TemplateId));

        var within24 = await ExpiringWithinAsync(sql, pool, now, now.AddHours(24), cancellationToken);
        var within48 = await ExpiringWithinAsync(sql, pool, now, now.AddHours(48), cancellationToken);

        // Users by their count of open credentials, corrected for the users holding lapsed ones.
        var spread = new Dictionary<(int Held, int Known), long>();
        await sql.ReadAsync(SpreadSql, r => spread[(r.GetInt32(0), r.GetInt32(1))] = r.GetInt64(2), cancellationToken);
        if (lapsedPerUser.Count > 0)
        {
            await sql.ReadAsync(LapsedHoldersSql, r =>
                {
                    var (n, isKnown) = (r.GetInt32(1), r.GetInt32(2));
                    var usable = n - lapsedPerUser.GetValueOrDefault(r.GetString(0));
                    spread[(n, isKnown)] = spread.GetValueOrDefault((n, isKnown)) - 1;
                    if (usable > 0)
                    {
                        spread[(usable, isKnown)] = spread.GetValueOrDefault((usable, isKnown)) + 1;
                    }
                }, cancellationToken);
        }
        int one = 0, twoToFive = 0, sixToTen = 0, moreThanTen = 0, knownReachable = 0;
        foreach (var ((n, isKnown), count) in spread)
        {
            var users = (int)count;
            if (n > 0 && isKnown > 0)
            {
                knownReachable += users;
            }
            switch (n)
            {
                case <= 0: break;
                case 1: one += users; break;
                case <= 5: twoToFive += users; break;
                case <= 10: sixToTen += users; break;
                default: moreThanTen += users; break;
            }
        }
        var reachable = one + twoToFive + sixToTen + moreThanTen;
        var known = Convert.ToInt32(await sql.ScalarAsync(KnownUsersSql, cancellationToken));
        var none = known - knownReachable;

        // The stored top list, long enough that users losing lapsed credentials cannot push a true top user out of it.
        var top = new List<UserCredentials>();
        await sql.ReadAsync(TopUsersSql(store.FirstRows(TopUserCount + lapsedPerUser.Count)),
            r => top.Add(new UserCredentials(r.GetString(0), r.GetInt32(1) - lapsedPerUser.GetValueOrDefault(r.GetString(0)))), cancellationToken);
        top = top.Select((u, i) => (u, i)).Where(x => x.u.Credentials > 0)
            .OrderByDescending(x => x.u.Credentials).ThenBy(x => x.i).Select(x => x.u).Take(TopUserCount).ToList();

        // Days are cut in the account's time zone, whose offsets are whole quarter-hours.
        var inflow = new int[DailyDays];
        var expired = new int[DailyDays];
        sql.Add("q0", Quarters.Of(days[0]));
        sql.Add("qEnd", Quarters.Of(days[DailyDays]));
        await sql.ReadAsync(DaysSql, r =>
            {
                var day = DayOf(days, Quarters.Start(r.GetInt64(0)));
                if (day >= 0)
                {
                    inflow[day] += (int)r.GetInt64(1);
                    expired[day] += (int)r.GetInt64(2);
                }
            }, cancellationToken);
        foreach (var at in lapsedAt)
        {
            if (DayOf(days, at) is var day and >= 0)
            {
                expired[day]++;
            }
        }
        await snapshot.CommitAsync(cancellationToken);

        var daily = Enumerable.Range(0, DailyDays)
            .Select(i => new DailyFlow(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(days[i], zone).DateTime), inflow[i], expired[i]))
            .ToList();
        return new Inventory(accountId, now, zone.Id, known, reachable, available, grants, within24, within48,
            new UserDistribution(none, one, twoToFive, sixToTen, moreThanTen), daily, top);
    }

    /// <summary>
    /// Usable credentials expiring in (now, until]: whole quarters from the tallies, and the two partial quarters at the
    /// ends counted from the expiry index (a quarter-hour of expiries each).
    /// </summary>
    private static async Task<int> ExpiringWithinAsync(Sql sql, Dictionary<(CredentialKind Kind, int Template, long Quarter), (long Credentials, long Uses)> pool,
        DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var first = Quarters.Of(now) + 1;
        var last = Quarters.Of(until);
        var whole = pool.Where(p => p.Key.Quarter >= first && p.Key.Quarter < last).Sum(p => p.Value.Credentials);
        sql.Add("from", sql.Instant(now));
        sql.Add("to", sql.Instant(Quarters.Start(first)));
        var head = Convert.ToInt64(await sql.ScalarAsync(ExpiringBeforeSql, cancellationToken));
        sql.Add("from", sql.Instant(Quarters.Start(last)));
        sql.Add("to", sql.Instant(until));
        var tail = Convert.ToInt64(await sql.ScalarAsync(ExpiringFromSql, cancellationToken));
        return (int)(whole + head + tail);
    }

    private static int DayOf(DateTimeOffset[] days, DateTimeOffset at)
    {
        if (at < days[0] || at >= days[DailyDays])
        {
            return -1;
        }
        var day = 0;
        while (at >= days[day + 1])
        {
            day++;
        }
        return day;
    }

    private const string PoolSql = """
        SELECT "Kind", "TemplateId", "ExpiryQuarter", SUM("Credentials"), SUM("Uses") FROM "CredentialTallies"
        WHERE "AccountId" = @account GROUP BY "Kind", "TemplateId", "ExpiryQuarter"
        """;

    /// <summary>Pool rows past their expiry, from the pool's expiry index (the sweep closes them).</summary>
    private const string LapsedSql = """
        SELECT a."OpenId", c."Kind", a."TemplateId", a."ExpiresAt", c."UsesLeft"
        FROM "AvailableCredentials" AS a INNER JOIN "Credentials" AS c ON c."Id" = a."CredentialId"
        WHERE a."AccountId" = @account AND a."ExpiresAt" <= @now
        """;

    private const string LapsedHoldersSql = """
        SELECT h."OpenId", h."Credentials", h."Known" FROM (
            SELECT DISTINCT "OpenId" FROM "AvailableCredentials" WHERE "AccountId" = @account AND "ExpiresAt" <= @now) AS l
        INNER JOIN "CredentialHolders" AS h ON h."AccountId" = @account AND h."OpenId" = l."OpenId"
        """;

    private const string ExpiringBeforeSql = """
        SELECT COUNT(*) FROM "AvailableCredentials" WHERE "AccountId" = @account AND "ExpiresAt" > @from AND "ExpiresAt" < @to
        """;

    private const string ExpiringFromSql = """
        SELECT COUNT(*) FROM "AvailableCredentials" WHERE "AccountId" = @account AND "ExpiresAt" >= @from AND "ExpiresAt" <= @to
        """;

    private const string SpreadSql = """
        SELECT "Held", "Known", SUM("Users") FROM "HolderSpreads" WHERE "AccountId" = @account GROUP BY "Held", "Known"
        """;

    private const string KnownUsersSql = """SELECT COUNT(*) FROM "MiniProgramUsers" WHERE "AccountId" = @account""";

    private static string TopUsersSql(string firstRows) => $"""
        SELECT "OpenId", "Credentials" FROM "CredentialHolders" WHERE "AccountId" = @account AND "Credentials" > 0
        ORDER BY "Credentials" DESC, "OpenId" {firstRows}
        """;

    private const string DaysSql = """
        SELECT "Quarter", SUM("Received"), SUM("Expired") FROM "CredentialQuarters"
        WHERE "AccountId" = @account AND "Quarter" >= @q0 AND "Quarter" < @qEnd GROUP BY "Quarter"
        """;

    /// <summary>Every statement of the inventory as SQL Server receives it (they are shared by the three databases).</summary>
    [TransactSql]
    private static IEnumerable<string> SqlServerStatements =>
    [
        PoolSql, LapsedSql, LapsedHoldersSql, ExpiringBeforeSql, ExpiringFromSql, SpreadSql, KnownUsersSql,
        TopUsersSql(SqlServerDatabase.FirstRows(TopUserCount)), DaysSql,
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

        public object Instant(DateTimeOffset instant) => store.Instant(instant);

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
