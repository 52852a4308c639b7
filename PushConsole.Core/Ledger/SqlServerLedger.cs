using System.Data;
using System.Data.Common;
using System.Text.Json;
using Microsoft.Data.SqlClient;
using PushConsole.Persistence;

namespace PushConsole.Ledger;

/// <summary>
/// The ledger's hand-written statements in SQL Server's dialect. SQL Server has no ON CONFLICT, RETURNING or LIMIT:
/// duplicates are left out with NOT EXISTS under UPDLOCK, HOLDLOCK (the key range stays locked until the insert
/// commits), changed rows come back with OUTPUT, and row locks are skipped with UPDLOCK, READPAST, ROWLOCK (PostgreSQL's
/// FOR UPDATE SKIP LOCKED). A batch travels as one JSON parameter read with OPENJSON, as SQLite's do with json_each.
/// The per-user daily cap is serialized per account with a transaction-owned sp_getapplock, where PostgreSQL takes
/// pg_advisory_xact_lock.
/// </summary>
internal static class SqlServerLedger
{
    public const string AddRecipientsSql = """
        INSERT INTO "Deliveries" ("RunId","AccountId","Recipient","Status","SkipReason","Attempts","LocalDay","CreatedAt")
        SELECT @run, @account, r.recipient, 0, 0, 0, @day, @now
        FROM OPENJSON(@recipients) WITH (recipient nvarchar(128) '$') AS r
        WHERE NOT EXISTS (
            SELECT 1 FROM "Deliveries" AS d WITH (UPDLOCK, HOLDLOCK) WHERE d."RunId" = @run AND d."Recipient" = r.recipient);
        """;

    /// <summary>The updatable CTE takes the lowest Pending ids that no other sender holds; the UPDATE moves exactly those.</summary>
    public const string TakePendingSql = """
        WITH picked AS (
            SELECT TOP (@max) "Id", "Recipient", "CredentialId", "Status", "SendingSince", "Attempts"
            FROM "Deliveries" WITH (UPDLOCK, READPAST, ROWLOCK)
            WHERE "RunId" = @run AND "Status" = 0
            ORDER BY "Id")
        UPDATE picked SET "Status" = 1, "SendingSince" = @now, "Attempts" = "Attempts" + 1
        OUTPUT inserted."Id", inserted."Recipient", inserted."CredentialId", inserted."Attempts";
        """;

    public const string PeekPendingSql = """
        SELECT TOP (@max) "Id", "Recipient", "CredentialId", "Attempts" FROM "Deliveries"
        WHERE "RunId" = @run AND "Status" = 0 ORDER BY "Id";
        """;

    public const string AtDailyCapSql = """
        SELECT u.r FROM OPENJSON(@recipients) WITH (r nvarchar(128) '$') AS u
        WHERE (SELECT COUNT(*) FROM "Deliveries" AS o WHERE o."AccountId" = @account AND o."Recipient" = u.r
            AND o."LocalDay" = @day AND o."Status" IN (1, 2)) >= @cap;
        """;

    /// <summary>The take of <see cref="DeliveryLedger.TakeForSendingAsync"/>, with or without the daily cap.</summary>
    public static string TakeForSendingSql(bool capped)
    {
        var over = capped
            ? """
              (SELECT COUNT(*) FROM "Deliveries" AS o WHERE o."AccountId" = @account AND o."Recipient" = d."Recipient"
                  AND o."LocalDay" = @day AND o."Status" IN (1, 2)) >= @cap
              """
            : "1 = 0";
        return $"""
            WITH picked AS (
                SELECT d."Id", v.c, CASE WHEN {over} THEN 1 ELSE 0 END AS capped
                FROM OPENJSON(@rows) WITH (i bigint '$[0]', c bigint '$[1]') AS v
                INNER JOIN "Deliveries" AS d WITH (UPDLOCK, READPAST, ROWLOCK) ON d."Id" = v.i
                WHERE d."RunId" = @run AND d."Status" = 0)
            UPDATE d SET
                "Status" = CASE WHEN p.capped = 1 THEN 4 ELSE 1 END,
                "SkipReason" = CASE WHEN p.capped = 1 THEN 2 ELSE 0 END,
                "FinishedAt" = CASE WHEN p.capped = 1 THEN @now ELSE NULL END,
                "CredentialId" = CASE WHEN p.capped = 1 THEN d."CredentialId" ELSE COALESCE(p.c, d."CredentialId") END,
                "SendingSince" = @now, "Attempts" = d."Attempts" + 1
            OUTPUT inserted."Id", inserted."Recipient", inserted."CredentialId", inserted."Attempts", inserted."Status"
            FROM "Deliveries" AS d INNER JOIN picked AS p ON d."Id" = p."Id"
            WHERE d."Status" = 0;
            """;
    }

    private static readonly string TakeForSendingCappedSql = TakeForSendingSql(capped: true);
    private static readonly string TakeForSendingUncappedSql = TakeForSendingSql(capped: false);

    public const string AttachCredentialsSql = """
        UPDATE d SET "CredentialId" = v.c
        FROM "Deliveries" AS d INNER JOIN OPENJSON(@rows) WITH (i bigint '$[0]', c bigint '$[1]') AS v ON d."Id" = v.i;
        """;

    /// <summary>Rows as <see cref="DeliveryLedger"/> writes them for SQLite: [id, status, skip, errcode, errmsg, msgid, credential, detach].</summary>
    public const string UpdateSql = """
        UPDATE d SET "Status" = v.s, "SkipReason" = v.k, "ErrCode" = v.e, "ErrMsg" = v.m, "MsgId" = v.g,
            "CredentialId" = CASE WHEN v.detach = 1 THEN NULL ELSE COALESCE(v.c, d."CredentialId") END,
            "FinishedAt" = CASE WHEN v.s >= 2 THEN @now ELSE NULL END
        FROM "Deliveries" AS d INNER JOIN OPENJSON(@rows) WITH (
            i bigint '$[0]', s int '$[1]', k int '$[2]', e int '$[3]', m nvarchar(500) '$[4]', g bigint '$[5]',
            c bigint '$[6]', detach int '$[7]') AS v ON d."Id" = v.i;
        """;

    public static async Task<int> AddRecipientsAsync(DbConnection connection, DbTransaction transaction, DeliveryRun run,
        IEnumerable<string[]> chunks, DateOnly localDay, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var added = 0;
        foreach (var chunk in chunks)
        {
            await using var command = Command(connection, transaction, AddRecipientsSql);
            command.Parameters.Add(new SqlParameter("@run", SqlDbType.BigInt) { Value = run.Id });
            command.Parameters.Add(new SqlParameter("@account", SqlDbType.Int) { Value = run.AccountId });
            command.Parameters.Add(new SqlParameter("@day", SqlDbType.Date) { Value = localDay });
            command.Parameters.Add(new SqlParameter("@now", SqlDbType.DateTimeOffset) { Value = now });
            command.Parameters.Add(Json("@recipients", JsonSerializer.Serialize(chunk)));
            added += await command.ExecuteNonQueryAsync(cancellationToken);
        }
        return added;
    }

    public static async Task<List<TakenDelivery>> TakePendingAsync(DbConnection connection, long runId, int max, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var command = Command(connection, null, TakePendingSql);
        command.Parameters.Add(new SqlParameter("@run", SqlDbType.BigInt) { Value = runId });
        command.Parameters.Add(new SqlParameter("@max", SqlDbType.Int) { Value = max });
        command.Parameters.Add(new SqlParameter("@now", SqlDbType.DateTimeOffset) { Value = now });
        return await ReadTakenAsync(command, max, cancellationToken);
    }

    public static async Task<List<TakenDelivery>> PeekPendingAsync(DbConnection connection, long runId, int max, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, null, PeekPendingSql);
        command.Parameters.Add(new SqlParameter("@run", SqlDbType.BigInt) { Value = runId });
        command.Parameters.Add(new SqlParameter("@max", SqlDbType.Int) { Value = max });
        return await ReadTakenAsync(command, max, cancellationToken);
    }

    public static async Task<HashSet<string>> AtDailyCapAsync(DbConnection connection, int accountId, IReadOnlyCollection<string> recipients,
        DateOnly localDay, int dailyCap, CancellationToken cancellationToken)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        await using var command = Command(connection, null, AtDailyCapSql);
        command.Parameters.Add(Json("@recipients", JsonSerializer.Serialize(recipients)));
        command.Parameters.Add(new SqlParameter("@account", SqlDbType.Int) { Value = accountId });
        command.Parameters.Add(new SqlParameter("@day", SqlDbType.Date) { Value = localDay });
        command.Parameters.Add(new SqlParameter("@cap", SqlDbType.Int) { Value = dailyCap });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(reader.GetString(0));
        }
        return result;
    }

    /// <summary>In the caller's transaction; with a cap, the account's lock is held until that transaction ends.</summary>
    public static async Task<TakeResult> TakeForSendingAsync(DbConnection connection, DbTransaction transaction, long runId, int accountId,
        IReadOnlyList<(long DeliveryId, long? CredentialId)> rows, DateOnly localDay, int? dailyCap, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        if (dailyCap is not null)
        {
            await SqlServerDatabase.TakeAppLockAsync(connection, transaction, $"PushConsole.DailyCap.{accountId}",
                transactionScoped: true, timeout: null, cancellationToken);
        }
        await using var command = Command(connection, transaction, dailyCap is null ? TakeForSendingUncappedSql : TakeForSendingCappedSql);
        command.Parameters.Add(Json("@rows", JsonSerializer.Serialize(rows.Select(r => new[] { r.DeliveryId, r.CredentialId }))));
        command.Parameters.Add(new SqlParameter("@run", SqlDbType.BigInt) { Value = runId });
        command.Parameters.Add(new SqlParameter("@now", SqlDbType.DateTimeOffset) { Value = now });
        if (dailyCap is { } cap)
        {
            command.Parameters.Add(new SqlParameter("@account", SqlDbType.Int) { Value = accountId });
            command.Parameters.Add(new SqlParameter("@day", SqlDbType.Date) { Value = localDay });
            command.Parameters.Add(new SqlParameter("@cap", SqlDbType.Int) { Value = cap });
        }
        var taken = new List<TakenDelivery>(rows.Count);
        var capped = new List<TakenDelivery>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = new TakenDelivery(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt64(2), reader.GetInt32(3));
            (reader.GetInt32(4) == (int)DeliveryStatus.Skipped ? capped : taken).Add(row);
        }
        taken.Sort((a, b) => a.Id.CompareTo(b.Id));
        return new TakeResult(taken, capped);
    }

    public static async Task AttachCredentialsAsync(DbConnection connection, DbTransaction transaction, string rowsJson, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, AttachCredentialsSql);
        command.Parameters.Add(Json("@rows", rowsJson));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task UpdateAsync(DbConnection connection, DbTransaction transaction, string rowsJson, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, UpdateSql);
        command.Parameters.Add(Json("@rows", rowsJson));
        command.Parameters.Add(new SqlParameter("@now", SqlDbType.DateTimeOffset) { Value = now });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private static SqlParameter Json(string name, string json) => new(name, SqlDbType.NVarChar, -1) { Value = json };

    private static async Task<List<TakenDelivery>> ReadTakenAsync(DbCommand command, int max, CancellationToken cancellationToken)
    {
        var rows = new List<TakenDelivery>(max);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new TakenDelivery(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt64(2), reader.GetInt32(3)));
        }
        rows.Sort((a, b) => a.Id.CompareTo(b.Id));
        return rows;
    }

    [TransactSql]
    private static IEnumerable<string> Statements =>
    [
        AddRecipientsSql, TakePendingSql, PeekPendingSql, AtDailyCapSql, TakeForSendingCappedSql, TakeForSendingUncappedSql,
        AttachCredentialsSql, UpdateSql, DeliveryLedger.RequeueAbandonedSql,
    ];
}
