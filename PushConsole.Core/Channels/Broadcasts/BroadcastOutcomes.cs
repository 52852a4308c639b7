using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using PushConsole.Ledger;
using PushConsole.Persistence;

namespace PushConsole.Channels.Broadcasts;

/// <summary>
/// Records the outcomes of a broadcast batch on its ledger rows and moves the run's tally, in one transaction.
/// The rows change as <see cref="DeliveryLedger.UpdateAsync"/> would change them (a broadcast row never holds a
/// credential); the statement differs for speed: numbers are written as literals (they are ints and longs, formatted
/// invariantly) rather than thousands of named parameters, which SQLite binds by looking each name up in a list —
/// that lookup was most of the console's CPU per send. Only rows still in Sending change, and the tally counts what
/// the statement changed (RETURNING), so a row recorded twice is counted once.
/// </summary>
public sealed class BroadcastOutcomes(IDbContextFactory<PushConsoleDbContext> contexts, DatabaseOptions database, TimeProvider time)
{
    private const int Chunk = 500;
    private readonly bool postgres = database.Provider == DatabaseProvider.Postgres;
    private readonly bool sqlServer = database.Provider == DatabaseProvider.SqlServer;

    // SQL Server has no ON CONFLICT: NOT EXISTS under UPDLOCK, HOLDLOCK keeps two nodes from both inserting.
    private const string SqlServerEnsureTallySql = """
        INSERT INTO "BroadcastTallies" ("RunId", "Sent", "Failed", "Unfollowed", "Skipped", "Rows")
        SELECT @run, 0, 0, 0, 0, 0
        WHERE NOT EXISTS (SELECT 1 FROM "BroadcastTallies" WITH (UPDLOCK, HOLDLOCK) WHERE "RunId" = @run);
        """;

    /// <summary>Creates the run's tally if it has none (every node calls this; one row results).</summary>
    public async Task EnsureTallyAsync(long runId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (sqlServer)
        {
            await db.Database.ExecuteSqlRawAsync(SqlServerEnsureTallySql, [new Microsoft.Data.SqlClient.SqlParameter("@run", runId)], cancellationToken);
            return;
        }
        await db.Database.ExecuteSqlAsync(
            $"""INSERT INTO "BroadcastTallies" ("RunId", "Sent", "Failed", "Unfollowed", "Skipped", "Rows") VALUES ({runId}, 0, 0, 0, 0, 0) ON CONFLICT ("RunId") DO NOTHING""",
            cancellationToken);
    }

    public async Task RecordAsync(long runId, IReadOnlyList<DeliveryUpdate> updates, CancellationToken cancellationToken)
    {
        if (updates.Count == 0)
        {
            return;
        }
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var now = time.GetUtcNow();
        int sent = 0, failed = 0, unfollowed = 0;
        foreach (var chunk in updates.Chunk(Chunk))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var values = new StringBuilder(chunk.Length * 48);
            for (var i = 0; i < chunk.Length; i++)
            {
                var u = chunk[i];
                var message = "NULL";
                if (u.ErrMsg is { } text)
                {
                    message = $"@m{i}";
                    Add(command, message, text.Length > 500 ? text[..500] : text);
                }
                values.Append(i == 0 ? "(" : ",(")
                    .Append(Typed(Number(u.Id), "bigint")).Append(',')
                    .Append(Typed(Number((int)u.Status), "integer")).Append(',')
                    .Append(Typed(u.ErrCode is { } e ? Number(e) : "NULL", "integer")).Append(',')
                    .Append(Typed(message, "text")).Append(',')
                    .Append(Typed(u.MsgId is { } g ? Number(g) : "NULL", "bigint")).Append(')');
            }
            Add(command, "@now", postgres || sqlServer ? now : now.UtcTicks);
            command.CommandText = sqlServer ? SqlServerRecordSql(values.ToString()) : $"""
                WITH v(i, s, e, m, g) AS (VALUES {values})
                UPDATE "Deliveries" SET "Status" = v.s, "SkipReason" = 0, "ErrCode" = v.e, "ErrMsg" = v.m, "MsgId" = v.g,
                    "FinishedAt" = CASE WHEN v.s >= 2 THEN {Typed("@now", "timestamptz")} ELSE NULL END
                FROM v
                WHERE "Deliveries"."Id" = v.i AND "Deliveries"."Status" = 1
                RETURNING "Deliveries"."Status", "Deliveries"."ErrCode"
                """;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                switch ((DeliveryStatus)reader.GetInt32(0))
                {
                    case DeliveryStatus.Sent:
                        sent++;
                        break;
                    case DeliveryStatus.Failed:
                        failed++;
                        if (!reader.IsDBNull(1) && reader.GetInt32(1) == BroadcastCounts.UnfollowedErrCode)
                        {
                            unfollowed++;
                        }
                        break;
                }
            }
        }
        if (sent + failed > 0)
        {
            await using var tally = connection.CreateCommand();
            tally.Transaction = transaction;
            tally.CommandText = $"""
                UPDATE "BroadcastTallies" SET "Sent" = "Sent" + {sent}, "Failed" = "Failed" + {failed}, "Unfollowed" = "Unfollowed" + {unfollowed}
                WHERE "RunId" = {runId}
                """;
            await tally.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Counts the run's rows once, when it has ended, and makes the tally exact (it also learns skipped rows and the total).</summary>
    public async Task RecountAsync(long runId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.Deliveries.Where(d => d.RunId == runId)
            .GroupBy(d => new { d.Status, Unfollowed = d.ErrCode == BroadcastCounts.UnfollowedErrCode })
            .Select(g => new { g.Key.Status, g.Key.Unfollowed, Count = g.Count() })
            .ToListAsync(cancellationToken);
        int Sum(Func<DeliveryStatus, bool> status, bool? unfollowed = null) =>
            rows.Where(r => status(r.Status) && (unfollowed is null || r.Unfollowed == unfollowed)).Sum(r => r.Count);
        await EnsureTallyAsync(runId, cancellationToken);
        await db.Set<BroadcastTally>().Where(t => t.RunId == runId).ExecuteUpdateAsync(s => s
            .SetProperty(t => t.Sent, Sum(x => x == DeliveryStatus.Sent))
            .SetProperty(t => t.Failed, Sum(x => x == DeliveryStatus.Failed))
            .SetProperty(t => t.Unfollowed, Sum(x => x == DeliveryStatus.Failed, true))
            .SetProperty(t => t.Skipped, Sum(x => x == DeliveryStatus.Skipped))
            .SetProperty(t => t.Rows, Sum(_ => true)), cancellationToken);
    }

    /// <summary>The same change in T-SQL: UPDATE … FROM a VALUES table, OUTPUT instead of RETURNING.</summary>
    private static string SqlServerRecordSql(string values) => $"""
        UPDATE d SET "Status" = v.s, "SkipReason" = 0, "ErrCode" = v.e, "ErrMsg" = v.m, "MsgId" = v.g,
            "FinishedAt" = CASE WHEN v.s >= 2 THEN @now ELSE NULL END
        OUTPUT inserted."Status", inserted."ErrCode"
        FROM "Deliveries" AS d INNER JOIN (VALUES {values}) AS v(i, s, e, m, g) ON d."Id" = v.i
        WHERE d."Status" = 1;
        """;

    [TransactSql]
    private static IEnumerable<string> SqlServerStatements =>
    [
        SqlServerEnsureTallySql,
        SqlServerRecordSql("(1,2,NULL,NULL,123),(2,3,43004,@m1,NULL)"),
        """UPDATE "BroadcastTallies" SET "Sent" = "Sent" + 1, "Failed" = "Failed" + 2, "Unfollowed" = "Unfollowed" + 0 WHERE "RunId" = 7""",
    ];

    private string Typed(string value, string type) => postgres ? $"CAST({value} AS {type})" : value;

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
