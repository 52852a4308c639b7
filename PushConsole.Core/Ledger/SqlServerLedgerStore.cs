using System.Data;
using System.Data.Common;
using System.Text.Json;
using Microsoft.Data.SqlClient;
using PushConsole.Messages;
using PushConsole.Persistence;

namespace PushConsole.Ledger;

/// <summary>
/// SQL Server: no ON CONFLICT, RETURNING or LIMIT. Duplicates are left out with NOT EXISTS under UPDLOCK, HOLDLOCK (the
/// key range stays locked until the insert commits), changed rows come back with OUTPUT, and row locks are skipped with
/// UPDLOCK, READPAST, ROWLOCK (PostgreSQL's FOR UPDATE SKIP LOCKED). A batch travels as one JSON parameter read with
/// OPENJSON, as SQLite's do with json_each. The per-user daily cap is serialised per account with a transaction-owned
/// sp_getapplock, where PostgreSQL takes pg_advisory_xact_lock.
/// </summary>
internal sealed class SqlServerLedgerStore : LedgerStore
{
    private const int Chunk = 2000;

    private const string InsertSql = """
        INSERT INTO "Deliveries" ("RunId","AccountId","Recipient","Status","SkipReason","Attempts","LocalDay","CreatedAt")
        SELECT @run, @account, r.recipient, @pending, @none, 0, @day, @now
        FROM OPENJSON(@recipients) WITH (recipient nvarchar(128) '$') AS r
        WHERE NOT EXISTS (
            SELECT 1 FROM "Deliveries" AS d WITH (UPDLOCK, HOLDLOCK) WHERE d."RunId" = @run AND d."Recipient" = r.recipient);
        """;

    private const string InsertRunsSql = """
        INSERT INTO "DeliveryRuns" ("Kind","FireKey","Name","AccountId","TemplateId","Status","ExpectedTotal","AudienceComplete","CreatedAt","StartedAt","Version")
        OUTPUT inserted."Id", inserted."FireKey"
        SELECT v.k, v.f, v.n, v.a, v.t, v.s, v.e, v.c, @now, CASE WHEN v.st = 1 THEN @now END, 0
        FROM OPENJSON(@runs) WITH (
            k int '$[0]', f nvarchar(200) '$[1]', n nvarchar(200) '$[2]', a int '$[3]', t int '$[4]', s int '$[5]', e int '$[6]', c bit '$[7]',
            st bit '$[8]') AS v;
        """;

    // New runs: no row can be there already, so no NOT EXISTS guard.
    private const string InsertOpenedSql = """
        INSERT INTO "RunTallies" ("RunId","Sent","Failed","Unfollowed","Skipped","Rows")
        SELECT v.r, 0, 0, 0, 0, 0 FROM OPENJSON(@rows) WITH (r bigint '$[0]') AS v;
        INSERT INTO "Deliveries" ("RunId","AccountId","Recipient","Status","SkipReason","Attempts","LocalDay","CreatedAt")
        SELECT v.r, v.a, v.u, @pending, @none, 0, @day, @now
        FROM OPENJSON(@rows) WITH (r bigint '$[0]', a int '$[1]', u nvarchar(128) '$[2]') AS v;
        """;

    // No trigger on the table, so OUTPUT without INTO is allowed.
    private const string InsertMessagesSql = """
        INSERT INTO "TransactionalMessages" ("AccountId","TemplateId","OpenId","IdempotencyKey","RequestHash","Payload","RequestedBy","CreatedAt")
        OUTPUT inserted."Id", inserted."AccountId", inserted."TemplateId", inserted."OpenId", inserted."IdempotencyKey", inserted."RequestHash",
            inserted."RequestedBy"
        SELECT v.a, v.t, v.o, v.k, v.h, v.p, v.r, v.c
        FROM OPENJSON(@messages) WITH (
            a int '$[0]', t int '$[1]', o nvarchar(128) '$[2]', k nvarchar(200) '$[3]', h nvarchar(64) '$[4]', p nvarchar(max) '$[5]',
            r nvarchar(450) '$[6]', c datetimeoffset '$[7]') AS v;
        """;

    private const string PointMessagesSql = """
        UPDATE m SET "RunId" = v.r
        FROM "TransactionalMessages" AS m INNER JOIN OPENJSON(@pairs) WITH (i bigint '$[0]', r bigint '$[1]') AS v ON m."Id" = v.i;
        """;

    /// <summary>The updatable CTE takes the lowest Pending ids that no other sender holds; the UPDATE moves exactly those.</summary>
    private const string TakePendingSql = """
        WITH picked AS (
            SELECT TOP (@max) "Id", "Recipient", "CredentialId", "Status", "SendingSince", "Attempts"
            FROM "Deliveries" WITH (UPDLOCK, READPAST, ROWLOCK)
            WHERE "RunId" = @run AND "Status" = @pending
            ORDER BY "Id")
        UPDATE picked SET "Status" = @sending, "SendingSince" = @now, "Attempts" = "Attempts" + 1
        OUTPUT inserted."Id", inserted."Recipient", inserted."CredentialId", inserted."Attempts";
        """;

    private const string AtDailyCapSql = """
        SELECT u.r FROM OPENJSON(@recipients) WITH (r nvarchar(128) '$') AS u
        WHERE (SELECT COUNT(*) FROM "Deliveries" AS o WHERE o."AccountId" = @account AND o."Recipient" = u.r
            AND o."LocalDay" = @day AND o."Status" IN (@sending, @sent)) >= @cap;
        """;

    /// <summary>One text with or without the cap: a NULL @cap counts nothing, as on the other providers.</summary>
    private const string TakeForSendingSql = """
        WITH picked AS (
            SELECT d."Id", v.c,
                CASE WHEN @cap IS NULL THEN 0
                     WHEN (SELECT COUNT(*) FROM "Deliveries" AS o WHERE o."AccountId" = @account AND o."Recipient" = d."Recipient"
                           AND o."LocalDay" = @day AND o."Status" IN (@sending, @sent)) >= @cap THEN 1
                     ELSE 0 END AS capped
            FROM OPENJSON(@rows) WITH (i bigint '$[0]', c bigint '$[1]') AS v
            INNER JOIN "Deliveries" AS d WITH (UPDLOCK, READPAST, ROWLOCK) ON d."Id" = v.i
            WHERE d."AccountId" = @account AND (@run IS NULL OR d."RunId" = @run) AND d."Status" = @pending)
        UPDATE d SET
            "Status" = CASE WHEN p.capped = 1 THEN @skipped ELSE @sending END,
            "SkipReason" = CASE WHEN p.capped = 1 THEN @capped ELSE @none END,
            "FinishedAt" = CASE WHEN p.capped = 1 THEN @now ELSE NULL END,
            "CredentialId" = CASE WHEN p.capped = 1 THEN d."CredentialId" ELSE COALESCE(p.c, d."CredentialId") END,
            "SendingSince" = @now, "Attempts" = d."Attempts" + 1
        OUTPUT inserted."Id", inserted."Recipient", inserted."CredentialId", inserted."Attempts", inserted."Status"
        FROM "Deliveries" AS d INNER JOIN picked AS p ON d."Id" = p."Id"
        WHERE d."Status" = @pending;
        """;

    private const string AttachSql = """
        UPDATE d SET "CredentialId" = v.c
        FROM "Deliveries" AS d INNER JOIN OPENJSON(@rows) WITH (i bigint '$[0]', c bigint '$[1]') AS v ON d."Id" = v.i;
        """;

    /// <summary>Rows as <see cref="SqliteLedgerStore.RowsJson"/> writes them: [id, status, skip, errcode, errmsg, msgid, credential, detach].</summary>
    private const string RecordSql = """
        UPDATE d SET "Status" = v.s, "SkipReason" = v.k, "ErrCode" = v.e, "ErrMsg" = v.m, "MsgId" = v.g,
            "CredentialId" = CASE WHEN v.detach = 1 THEN NULL ELSE COALESCE(v.c, d."CredentialId") END,
            "FinishedAt" = CASE WHEN v.s IN (@pending, @sending) THEN NULL ELSE @now END
        OUTPUT inserted."RunId", inserted."Status", inserted."ErrCode", inserted."SkipReason", inserted."ErrMsg", inserted."MsgId"
        FROM "Deliveries" AS d INNER JOIN OPENJSON(@rows) WITH (
            i bigint '$[0]', s int '$[1]', k int '$[2]', e int '$[3]', m nvarchar(500) '$[4]', g bigint '$[5]',
            c bigint '$[6]', detach int '$[7]') AS v ON d."Id" = v.i
        WHERE d."Status" = @sending;
        """;

    public override async Task<int> AddRecipientsAsync(DbConnection connection, DbTransaction transaction, long runId, int accountId,
        IReadOnlyList<string> recipients, DateOnly localDay, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var added = 0;
        foreach (var chunk in recipients.Chunk(Chunk))
        {
            await using var command = Command(connection, transaction, InsertSql);
            command.Parameters.Add(new SqlParameter("@run", SqlDbType.BigInt) { Value = runId });
            command.Parameters.Add(new SqlParameter("@account", SqlDbType.Int) { Value = accountId });
            command.Parameters.Add(new SqlParameter("@day", SqlDbType.Date) { Value = localDay });
            command.Parameters.Add(new SqlParameter("@now", SqlDbType.DateTimeOffset) { Value = now });
            command.Parameters.Add(Int("@pending", (int)DeliveryStatus.Pending));
            command.Parameters.Add(Int("@none", (int)SkipReason.None));
            command.Parameters.Add(Json("@recipients", JsonSerializer.Serialize(chunk)));
            added += await command.ExecuteNonQueryAsync(cancellationToken);
        }
        return added;
    }

    protected override async Task<Dictionary<string, long>> InsertRunsAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<DeliveryRun> runs, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, InsertRunsSql);
        command.Parameters.Add(Json("@runs", RunsJson(runs)));
        command.Parameters.Add(new SqlParameter("@now", SqlDbType.DateTimeOffset) { Value = now });
        return await ReadRunIdsAsync(command, cancellationToken);
    }

    protected override async Task InsertOpenedAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<(long RunId, int AccountId, string Recipient)> rows, DateOnly localDay, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, InsertOpenedSql);
        command.Parameters.Add(Json("@rows", JsonSerializer.Serialize(rows.Select(r => new object[] { r.RunId, r.AccountId, r.Recipient }))));
        command.Parameters.Add(new SqlParameter("@day", SqlDbType.Date) { Value = localDay });
        command.Parameters.Add(new SqlParameter("@now", SqlDbType.DateTimeOffset) { Value = now });
        command.Parameters.Add(Int("@pending", (int)DeliveryStatus.Pending));
        command.Parameters.Add(Int("@none", (int)SkipReason.None));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    protected override DbCommand InsertMessagesCommand(DbConnection connection, DbTransaction transaction, TransactionalMessage[] messages)
    {
        var command = Command(connection, transaction, InsertMessagesSql);
        // CreatedAt as ISO 8601 with its offset, which OPENJSON converts to datetimeoffset exactly (100 ns).
        command.Parameters.Add(Json("@messages", MessagesJson(messages, (json, createdAt) => json.WriteStringValue(createdAt))));
        return command;
    }

    // 2601: duplicate key in a unique index (the filtered (AccountId, IdempotencyKey) one); 2627: in a unique constraint.
    protected override bool IsUniqueViolation(DbException exception) => exception is SqlException { Number: 2601 or 2627 };

    public override Task PointMessagesAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<(long MessageId, long RunId)> pairs,
        CancellationToken cancellationToken) =>
        ExecuteInChunksAsync(connection, transaction, PointMessagesSql, pairs, Chunk, (command, chunk) =>
        {
            command.Parameters.Add(Json("@pairs", JsonSerializer.Serialize(chunk.Select(p => new[] { p.MessageId, p.RunId }))));
        }, cancellationToken);

    public override async Task<IReadOnlyList<TakenDelivery>> TakePendingAsync(DbConnection connection, long runId, int max, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var command = Command(connection, null, TakePendingSql);
        command.Parameters.Add(new SqlParameter("@run", SqlDbType.BigInt) { Value = runId });
        command.Parameters.Add(Int("@max", max));
        command.Parameters.Add(new SqlParameter("@now", SqlDbType.DateTimeOffset) { Value = now });
        command.Parameters.Add(Int("@pending", (int)DeliveryStatus.Pending));
        command.Parameters.Add(Int("@sending", (int)DeliveryStatus.Sending));
        return await ReadTakenAsync(command, null, cancellationToken);
    }

    public override async Task<IReadOnlySet<string>> AtDailyCapAsync(DbConnection connection, int accountId, IReadOnlyCollection<string> recipients,
        DateOnly localDay, int dailyCap, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, null, AtDailyCapSql);
        command.Parameters.Add(Json("@recipients", JsonSerializer.Serialize(recipients)));
        command.Parameters.Add(Int("@account", accountId));
        command.Parameters.Add(new SqlParameter("@day", SqlDbType.Date) { Value = localDay });
        command.Parameters.Add(Int("@cap", dailyCap));
        command.Parameters.Add(Int("@sending", (int)DeliveryStatus.Sending));
        command.Parameters.Add(Int("@sent", (int)DeliveryStatus.Sent));
        return await ReadRecipientsAsync(command, cancellationToken);
    }

    public override async Task<TakeResult> TakeForSendingAsync(DbConnection connection, DbTransaction transaction, long? runId, int accountId,
        IReadOnlyList<(long DeliveryId, long? CredentialId)> rows, DateOnly localDay, int? dailyCap, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, TakeForSendingSql);
        command.Parameters.Add(Json("@rows", JsonSerializer.Serialize(rows.Select(r => new[] { r.DeliveryId, r.CredentialId }))));
        command.Parameters.Add(new SqlParameter("@run", SqlDbType.BigInt) { Value = runId is { } run ? run : DBNull.Value });
        command.Parameters.Add(Int("@account", accountId));
        command.Parameters.Add(new SqlParameter("@day", SqlDbType.Date) { Value = localDay });
        command.Parameters.Add(new SqlParameter("@cap", SqlDbType.Int) { Value = dailyCap is { } cap ? cap : DBNull.Value });
        command.Parameters.Add(new SqlParameter("@now", SqlDbType.DateTimeOffset) { Value = now });
        command.Parameters.Add(Int("@pending", (int)DeliveryStatus.Pending));
        command.Parameters.Add(Int("@sending", (int)DeliveryStatus.Sending));
        command.Parameters.Add(Int("@sent", (int)DeliveryStatus.Sent));
        command.Parameters.Add(Int("@skipped", (int)DeliveryStatus.Skipped));
        command.Parameters.Add(Int("@capped", (int)SkipReason.Capped));
        command.Parameters.Add(Int("@none", (int)SkipReason.None));
        var capped = new List<TakenDelivery>();
        var taken = await ReadTakenAsync(command, capped, cancellationToken);
        return new TakeResult(taken, capped);
    }

    /// <summary>A transaction-owned application lock per account: two runs reaching one user at once cannot both pass the cap.</summary>
    public override Task LockAccountAsync(DbConnection connection, DbTransaction transaction, int accountId, CancellationToken cancellationToken) =>
        SqlServerDatabase.TakeAppLockAsync(connection, transaction, $"PushConsole.DailyCap.{accountId}", transactionScoped: true, timeout: null,
            cancellationToken);

    public override Task AttachCredentialsAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<(long DeliveryId, long CredentialId)> rows, CancellationToken cancellationToken) =>
        ExecuteInChunksAsync(connection, transaction, AttachSql, rows, Chunk, (command, chunk) =>
        {
            command.Parameters.Add(Json("@rows", JsonSerializer.Serialize(chunk.Select(r => new[] { r.DeliveryId, r.CredentialId }))));
        }, cancellationToken);

    public override Task<IReadOnlyList<RecordedDelivery>> RecordAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<DeliveryUpdate> updates, DateTimeOffset now, CancellationToken cancellationToken) =>
        RecordInChunksAsync(connection, transaction, RecordSql, updates, Chunk, (command, chunk) =>
        {
            command.Parameters.Add(Json("@rows", SqliteLedgerStore.RowsJson(chunk)));
            command.Parameters.Add(new SqlParameter("@now", SqlDbType.DateTimeOffset) { Value = now });
            command.Parameters.Add(Int("@pending", (int)DeliveryStatus.Pending));
            command.Parameters.Add(Int("@sending", (int)DeliveryStatus.Sending));
        }, cancellationToken);

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private static SqlParameter Int(string name, int value) => new(name, SqlDbType.Int) { Value = value };

    private static SqlParameter Json(string name, string json) => new(name, SqlDbType.NVarChar, -1) { Value = json };

    [TransactSql]
    private static IEnumerable<string> Statements => [InsertSql, InsertRunsSql, InsertOpenedSql, TakePendingSql, AtDailyCapSql, TakeForSendingSql, AttachSql, RecordSql];

    [TransactSql]
    private static IEnumerable<string> MessageStatements => [InsertMessagesSql, PointMessagesSql];
}
