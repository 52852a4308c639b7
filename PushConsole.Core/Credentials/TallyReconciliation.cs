using System.Data.Common;
using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using PushConsole.Persistence;
using Quartz;

namespace PushConsole.Credentials;

/// <summary>What one reconciliation found: tally rows that disagreed with a recount of the credential rows (and were repaired).</summary>
public sealed record TallyDrift(int Pool, int Holders, int Spread, int Days, int Outcomes = 0)
{
    public int Total => Pool + Holders + Spread + Days + Outcomes;
}

/// <summary>
/// Recounts the credential tallies from the rows and repairs any difference. Every write keeps them in step in its own
/// transaction, so a difference means a write went around that path (a manual statement, a restore, a bug): it is
/// logged as a warning and counted on the <c>pushconsole.credential_tallies.drift</c> metric. The recount and the
/// stored tallies are read in one snapshot, so writes running meanwhile cannot look like drift; the repair adds the
/// difference, so it stays right even when writes commit between the snapshot and the repair.
/// </summary>
public sealed class TallyReconciliation
{
    public const string MeterName = "PushConsole.Credentials";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Drift = Meter.CreateCounter<long>("pushconsole.credential_tallies.drift", "{row}",
        "Credential tally rows that disagreed with a recount of the credential rows and were repaired");

    private readonly CredentialStore store;
    private readonly IDbContextFactory<PushConsoleDbContext> contexts;
    private readonly ILogger<TallyReconciliation> logger;

    internal TallyReconciliation(CredentialStore store, IDbContextFactory<PushConsoleDbContext> contexts, ILogger<TallyReconciliation> logger)
    {
        this.store = store;
        this.contexts = contexts;
        this.logger = logger;
    }

    /// <summary>
    /// How many open credential rows one step of the per-user recount covers: each step reads its own snapshot and
    /// repairs in its own short transaction, so a large account never holds a snapshot or the SQLite write gate for
    /// the whole recount.
    /// </summary>
    internal int HolderStepRows { get; init; } = 250_000;

    public async Task<TallyDrift> RunAsync(CancellationToken cancellationToken = default)
    {
        List<int> accounts;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            accounts = await db.Accounts.AsNoTracking().Select(a => a.Id).ToListAsync(cancellationToken);
        }
        var total = new TallyDrift(0, 0, 0, 0);
        foreach (var accountId in accounts)
        {
            // Holders first: their repair moves the spread, which the recount after it then checks.
            var holders = await ReconcileHoldersAsync(accountId, cancellationToken);
            var (delta, drift) = await RecountAsync(accountId, cancellationToken);
            drift = drift with { Holders = holders };
            if (drift.Total == 0)
            {
                continue;
            }
            if (!delta.IsEmpty)
            {
                await using var db = await contexts.CreateDbContextAsync(cancellationToken);
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                await TallyWriter.For(db).ApplyAsync(db.Database.GetDbConnection(), transaction.GetDbTransaction(), delta, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            logger.LogWarning("Credential tallies of account {Account} disagreed with the rows and were repaired: {Pool} pool, {Holders} holder, {Spread} spread and {Days} quarter-hour rows",
                accountId, drift.Pool, drift.Holders, drift.Spread, drift.Days);
            Drift.Add(drift.Total);
            total = new TallyDrift(total.Pool + drift.Pool, total.Holders + drift.Holders, total.Spread + drift.Spread, total.Days + drift.Days);
        }
        var outcomes = await ReconcileOutcomesAsync(cancellationToken);
        return total with { Outcomes = outcomes };
    }

    /// <summary>
    /// Each user's stored count and login mark against the rows, in steps of users (ranges of openids cut every
    /// <see cref="HolderStepRows"/> open credentials along the claim index): each step is one grouped pass over the
    /// three sources in its own snapshot, and its repair adds the difference in its own transaction. Returns how many
    /// users disagreed.
    /// </summary>
    private async Task<int> ReconcileHoldersAsync(int accountId, CancellationToken cancellationToken)
    {
        var drifted = 0;
        string? from = null;
        do
        {
            var delta = new TallyDelta();
            string? to;
            var (connection, snapshot) = await store.OpenSnapshotAsync(cancellationToken);
            await using (connection)
            await using (snapshot)
            {
                to = await NextStepAsync(connection, snapshot, accountId, from, cancellationToken);
                await using var command = Command(connection, snapshot, HolderDriftSql.Replace("{range}", Range(from, to), StringComparison.Ordinal),
                    accountId, from, to);
                await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
                {
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        delta.AddHolder(accountId, reader.GetString(0), Int(reader, 1) - Int(reader, 3), Int(reader, 2) - Int(reader, 4));
                        drifted++;
                    }
                }
                await snapshot.CommitAsync(cancellationToken);
            }
            if (!delta.IsEmpty)
            {
                await using var db = await contexts.CreateDbContextAsync(cancellationToken);
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                await TallyWriter.For(db).ApplyAsync(db.Database.GetDbConnection(), transaction.GetDbTransaction(), delta, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            from = to;
        }
        while (from is not null);
        return drifted;

        // COUNT and SUM are bigint on PostgreSQL, int elsewhere.
        static int Int(DbDataReader r, int i) => Convert.ToInt32(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The openid that ends the step after <paramref name="from"/>, or null when the rest of the account fits in one step.</summary>
    private async Task<string?> NextStepAsync(DbConnection connection, DbTransaction snapshot, int accountId, string? from, CancellationToken cancellationToken)
    {
        var sql = (store is SqlServerCredentialStore ? StepEndSqlServer : StepEndSql)
            .Replace("{from}", from is null ? "1 = 1" : "\"OpenId\" > @from", StringComparison.Ordinal);
        await using var command = Command(connection, snapshot, sql, accountId, from, null);
        var rows = command.CreateParameter();
        rows.ParameterName = "@rows";
        rows.Value = HolderStepRows;
        command.Parameters.Add(rows);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    private static string Range(string? from, string? to) =>
        (from is null ? "1 = 1" : "\"OpenId\" > @from") + (to is null ? "" : " AND \"OpenId\" <= @to");

    private static DbCommand Command(DbConnection connection, DbTransaction snapshot, string sql, int accountId, string? from, string? to)
    {
        var command = connection.CreateCommand();
        command.Transaction = snapshot;
        command.CommandText = sql;
        foreach (var (name, value) in new (string, object?)[] { ("@account", accountId), ("@from", from), ("@to", to) })
        {
            if (value is not null)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                parameter.Value = value;
                command.Parameters.Add(parameter);
            }
        }
        return command;
    }

    /// <summary>The outcome tallies against a recount of the finished ledger rows (all accounts in one snapshot).</summary>
    private async Task<int> ReconcileOutcomesAsync(CancellationToken cancellationToken)
    {
        var diff = new Dictionary<(int, DateOnly, Ledger.RunKind, Ledger.DeliveryStatus, Ledger.SkipReason, int), long>();
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            // The context's own connection: contexts are pooled, and one handed another connection would keep it.
            await db.Database.OpenConnectionAsync(cancellationToken);
            await using var snapshot = await store.BeginSnapshotAsync(db.Database.GetDbConnection(), cancellationToken);
            await db.Database.UseTransactionAsync(snapshot, cancellationToken);
            var recount = await (from d in db.Deliveries.AsNoTracking()
                                 where d.Status >= Ledger.DeliveryStatus.Sent
                                 join r in db.DeliveryRuns on d.RunId equals r.Id
                                 group d by new { d.AccountId, d.LocalDay, r.Kind, d.Status, d.SkipReason, ErrCode = d.ErrCode ?? Outcomes.OutcomeTally.NoErrCode } into g
                                 select new { g.Key, Count = (long)g.Count() }).ToListAsync(cancellationToken);
            foreach (var row in recount)
            {
                var k = row.Key;
                diff[(k.AccountId, k.LocalDay, k.Kind, k.Status, k.SkipReason, k.ErrCode)] = row.Count;
            }
            var stored = await db.Set<Outcomes.OutcomeTally>().AsNoTracking()
                .GroupBy(t => new { t.AccountId, t.LocalDay, t.RunKind, t.Status, t.SkipReason, t.ErrCode })
                .Select(g => new { g.Key, Count = g.Sum(t => t.Count) }).ToListAsync(cancellationToken);
            foreach (var row in stored)
            {
                var k = (row.Key.AccountId, row.Key.LocalDay, row.Key.RunKind, row.Key.Status, row.Key.SkipReason, row.Key.ErrCode);
                diff[k] = diff.GetValueOrDefault(k) - row.Count;
            }
            await snapshot.CommitAsync(cancellationToken);
        }
        var drifted = diff.Where(d => d.Value != 0).OrderBy(d => d.Key).ToList();
        if (drifted.Count == 0)
        {
            return 0;
        }
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await TallyWriter.For(db).UpsertAsync(db.Database.GetDbConnection(), transaction.GetDbTransaction(), TallyWriter.OutcomeTally,
                drifted.Select(d => new object[] { d.Key.Item1, d.Key.Item2, (int)d.Key.Item3, (int)d.Key.Item4, (int)d.Key.Item5, d.Key.Item6, 0, d.Value }),
                cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        logger.LogWarning("Outcome tallies disagreed with the ledger in {Rows} rows and were repaired", drifted.Count);
        Drift.Add(drifted.Count);
        return drifted.Count;
    }

    private async Task<(TallyDelta Delta, TallyDrift Drift)> RecountAsync(int accountId, CancellationToken cancellationToken)
    {
        var (connection, snapshot) = await store.OpenSnapshotAsync(cancellationToken);
        await using var _ = connection;
        await using var __ = snapshot;
        var delta = new TallyDelta();

        var pool = new Dictionary<(CredentialKind, int, long), (long Credentials, long Uses)>();
        await ReadAsync(connection, snapshot, RecountPoolSql, accountId, r => pool[Key(r)] = (r.GetInt64(3), r.GetInt64(4)), cancellationToken);
        await ReadAsync(connection, snapshot, StoredPoolSql, accountId, r =>
            {
                var key = Key(r);
                var (c, u) = pool.GetValueOrDefault(key);
                pool[key] = (c - r.GetInt64(3), u - r.GetInt64(4));
            }, cancellationToken);
        foreach (var ((kind, template, quarter), (c, u)) in pool.Where(p => p.Value != default))
        {
            delta.Pool[(accountId, kind, template, quarter)] = (c, u);
        }

        var spread = new Dictionary<(int, int), long>();
        await ReadAsync(connection, snapshot, RecountSpreadSql, accountId, r => spread[(r.GetInt32(0), r.GetInt32(1))] = r.GetInt64(2), cancellationToken);
        await ReadAsync(connection, snapshot, StoredSpreadSql, accountId, r =>
            spread[(r.GetInt32(0), r.GetInt32(1))] = spread.GetValueOrDefault((r.GetInt32(0), r.GetInt32(1))) - r.GetInt64(2), cancellationToken);
        foreach (var ((held, known), users) in spread.Where(s => s.Value != 0))
        {
            delta.Spread[(accountId, held, known)] = users;
        }

        var days = new Dictionary<long, (long Received, long Expired)>();
        void AddDay(long quarter, long received, long expired)
        {
            var (r, e) = days.GetValueOrDefault(quarter);
            days[quarter] = (r + received, e + expired);
        }
        await ReadAsync(connection, snapshot, RecountReceivedSql, accountId, r => AddDay(r.GetInt64(0), r.GetInt64(1), 0), cancellationToken);
        await ReadAsync(connection, snapshot, RecountExpiredSql, accountId, r => AddDay(r.GetInt64(0), 0, r.GetInt64(1)), cancellationToken);
        await ReadAsync(connection, snapshot, StoredDaysSql, accountId, r => AddDay(r.GetInt64(0), -r.GetInt64(1), -r.GetInt64(2)), cancellationToken);
        foreach (var (quarter, (r, e)) in days.Where(d => d.Value != default))
        {
            delta.AddDay(accountId, quarter, r, e);
        }
        await snapshot.CommitAsync(cancellationToken);
        return (delta, new TallyDrift(delta.Pool.Count, 0, delta.Spread.Count, delta.Days.Count));

        static (CredentialKind, int, long) Key(DbDataReader r) => ((CredentialKind)r.GetInt32(0), r.GetInt32(1), r.GetInt64(2));
    }

    private async Task ReadAsync(DbConnection connection, DbTransaction snapshot, string sql, int accountId, Action<DbDataReader> row,
        CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = snapshot;
        command.CommandText = sql.Replace("{quarterOfExpiry}", store.QuarterOf("\"ExpiresAt\""), StringComparison.Ordinal)
            .Replace("{quarterOfReceipt}", store.QuarterOf("\"ReceivedAt\""), StringComparison.Ordinal)
            .Replace("{quarterOfClose}", store.QuarterOf("\"ClosedAt\""), StringComparison.Ordinal);
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@account";
        parameter.Value = accountId;
        command.Parameters.Add(parameter);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            row(reader);
        }
    }

    // Grouped outside a derived table: SQL Server cannot GROUP BY a select-list alias. The {quarterOf…} holes take
    // the database's own quarter-hour expression (CredentialStore.QuarterOf).
    internal const string RecountPoolSql = """
        SELECT k, t, q, COUNT(*), SUM(u) FROM (
            SELECT "Kind" AS k, COALESCE("TemplateId", 0) AS t,
                   CASE WHEN "ExpiresAt" IS NULL THEN 0 ELSE {quarterOfExpiry} END AS q, "UsesLeft" AS u
            FROM "Credentials" WHERE "AccountId" = @account AND "Status" = 1) AS x
        GROUP BY k, t, q
        """;

    internal const string StoredPoolSql = """
        SELECT "Kind", "TemplateId", "ExpiryQuarter", SUM("Credentials"), SUM("Uses") FROM "CredentialTallies"
        WHERE "AccountId" = @account GROUP BY "Kind", "TemplateId", "ExpiryQuarter"
        """;

    /// <summary>
    /// Users of one step (<c>{range}</c>) whose stored count or login mark differs from the rows: one grouped pass over
    /// the open credentials (read in openid order from the claim index), the logins and the stored holders, with no
    /// join (a full outer join of a million users each side was a nested loop on SQLite).
    /// </summary>
    internal const string HolderDriftSql = """
        SELECT o, SUM(n), MAX(known), SUM(hn), MAX(hk) FROM (
            SELECT "OpenId" AS o, COUNT(*) AS n, 0 AS known, 0 AS hn, 0 AS hk FROM "Credentials"
            WHERE "AccountId" = @account AND "Status" = 1 AND {range} GROUP BY "OpenId"
            UNION ALL
            SELECT "OpenId", 0, 1, 0, 0 FROM "MiniProgramUsers" WHERE "AccountId" = @account AND {range}
            UNION ALL
            SELECT "OpenId", 0, 0, "Credentials", "Known" FROM "CredentialHolders" WHERE "AccountId" = @account AND {range}) AS u
        GROUP BY o
        HAVING SUM(n) <> SUM(hn) OR MAX(known) <> MAX(hk)
        """;

    /// <summary>Where the next step of users ends: the openid <c>@rows</c> open credentials on along the claim index.</summary>
    internal const string StepEndSql = """
        SELECT "OpenId" FROM "Credentials" WHERE "AccountId" = @account AND "Status" = 1 AND {from}
        ORDER BY "OpenId" LIMIT 1 OFFSET @rows
        """;

    internal const string StepEndSqlServer = """
        SELECT "OpenId" FROM "Credentials" WHERE "AccountId" = @account AND "Status" = 1 AND {from}
        ORDER BY "OpenId" OFFSET @rows ROWS FETCH NEXT 1 ROWS ONLY
        """;

    /// <summary>The spread as the stored holders give it (holders are repaired separately, and move the spread themselves).</summary>
    internal const string RecountSpreadSql = """
        SELECT "Credentials", "Known", COUNT(*) FROM "CredentialHolders" WHERE "AccountId" = @account AND "Credentials" > 0
        GROUP BY "Credentials", "Known"
        """;

    internal const string StoredSpreadSql = """
        SELECT "Held", "Known", SUM("Users") FROM "HolderSpreads" WHERE "AccountId" = @account GROUP BY "Held", "Known"
        """;

    internal const string RecountReceivedSql = """
        SELECT q, COUNT(*) FROM (SELECT {quarterOfReceipt} AS q FROM "Credentials" WHERE "AccountId" = @account) AS x GROUP BY q
        """;

    internal const string RecountExpiredSql = """
        SELECT q, COUNT(*) FROM (
            SELECT {quarterOfClose} AS q FROM "Credentials" WHERE "AccountId" = @account AND "Status" = 3 AND "ClosedAt" IS NOT NULL) AS x
        GROUP BY q
        """;

    internal const string StoredDaysSql = """
        SELECT "Quarter", SUM("Received"), SUM("Expired") FROM "CredentialQuarters" WHERE "AccountId" = @account GROUP BY "Quarter"
        """;

    /// <summary>Every statement as SQL Server receives it.</summary>
    [TransactSql]
    private static IEnumerable<string> SqlServerStatements => new[]
    {
        RecountPoolSql, StoredPoolSql, HolderDriftSql.Replace("{range}", Range("a", "b"), StringComparison.Ordinal),
        StepEndSqlServer.Replace("{from}", "\"OpenId\" > @from", StringComparison.Ordinal), RecountSpreadSql, StoredSpreadSql, RecountReceivedSql, RecountExpiredSql, StoredDaysSql,
    }.Select(s => s.Replace("{quarterOfExpiry}", SqlServerCredentialStore.Quarter("\"ExpiresAt\""), StringComparison.Ordinal)
        .Replace("{quarterOfReceipt}", SqlServerCredentialStore.Quarter("\"ReceivedAt\""), StringComparison.Ordinal)
        .Replace("{quarterOfClose}", SqlServerCredentialStore.Quarter("\"ClosedAt\""), StringComparison.Ordinal));
}

/// <summary>Runs <see cref="TallyReconciliation"/> on the configured interval; one node at a time in a cluster.</summary>
[DisallowConcurrentExecution]
public sealed class TallyReconciliationJob(TallyReconciliation reconciliation) : IJob
{
    public static readonly JobKey Key = new("credential-tally-reconciliation", "credentials");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default) =>
        await reconciliation.RunAsync(cancellationToken);
}
