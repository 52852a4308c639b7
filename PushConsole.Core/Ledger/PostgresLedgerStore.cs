using System.Data.Common;
using Npgsql;
using NpgsqlTypes;
using PushConsole.Messages;

namespace PushConsole.Ledger;

/// <summary>
/// PostgreSQL: a batch of rows travels as typed arrays read with unnest, so each statement has one text whatever the
/// batch size (parsed and planned once per connection). Takes lock the rows they pick with FOR UPDATE SKIP LOCKED, so
/// concurrent takers (other nodes) get other rows instead of queueing on the same ones.
/// </summary>
internal sealed class PostgresLedgerStore : LedgerStore
{
    private const int Chunk = 5000;
    // The first key of the per-account advisory lock: an arbitrary constant naming "the per-user daily cap".
    private const int DailyCapLockClass = 1346585601;

    private const string InsertSql = """
        INSERT INTO "Deliveries" ("RunId","AccountId","Recipient","Status","SkipReason","Attempts","LocalDay","CreatedAt")
        SELECT @run, @account, r, @pending, @none, 0, @day, @now FROM unnest(@recipients) AS r
        ON CONFLICT ("RunId","Recipient") DO NOTHING
        """;

    private const string InsertRunsSql = """
        INSERT INTO "DeliveryRuns" ("Kind","FireKey","Name","AccountId","TemplateId","Status","ExpectedTotal","AudienceComplete","CreatedAt","StartedAt","Version")
        SELECT v.k, v.f, v.n, v.a, v.t, v.s, v.e, v.c, @now, CASE WHEN v.st THEN @now END, 0
        FROM unnest(@kinds, @keys, @names, @accounts, @templates, @statuses, @expected, @complete, @started) AS v(k, f, n, a, t, s, e, c, st)
        RETURNING "Id", "FireKey"
        """;

    private const string InsertOpenedSql = """
        INSERT INTO "RunTallies" ("RunId","Sent","Failed","Unfollowed","Skipped","Rows") SELECT r, 0, 0, 0, 0, 0 FROM unnest(@runs) AS r;
        INSERT INTO "Deliveries" ("RunId","AccountId","Recipient","Status","SkipReason","Attempts","LocalDay","CreatedAt")
        SELECT v.r, v.a, v.u, @pending, @none, 0, @day, @now FROM unnest(@runs, @accounts, @recipients) AS v(r, a, u)
        ON CONFLICT ("RunId","Recipient") DO NOTHING;
        """;

    private const string InsertMessagesSql = """
        INSERT INTO "TransactionalMessages" ("AccountId","TemplateId","OpenId","IdempotencyKey","RequestHash","Payload","RequestedBy","CreatedAt")
        SELECT v.a, v.t, v.o, v.k, v.h, v.p, v.r, v.c
        FROM unnest(@accounts, @templates, @openIds, @keys, @hashes, @payloads, @requestedBy, @created) AS v(a, t, o, k, h, p, r, c)
        RETURNING "Id", "AccountId", "TemplateId", "OpenId", "IdempotencyKey", "RequestHash", "RequestedBy"
        """;

    private const string PointMessagesSql = """
        UPDATE "TransactionalMessages" SET "RunId" = v.r FROM unnest(@ids, @runs) AS v(i, r) WHERE "TransactionalMessages"."Id" = v.i
        """;

    // The picked rows are a CTE so PostgreSQL evaluates the locking subquery once (an IN (subquery) may be re-run per
    // row and then take more than @max rows).
    private const string TakePendingSql = """
        WITH picked AS (
            SELECT "Id" FROM "Deliveries" WHERE "RunId" = @run AND "Status" = @pending ORDER BY "Id" LIMIT @max FOR UPDATE SKIP LOCKED)
        UPDATE "Deliveries" SET "Status" = @sending, "SendingSince" = @now, "Attempts" = "Attempts" + 1
        WHERE "Status" = @pending AND "Id" IN (SELECT "Id" FROM picked)
        RETURNING "Id", "Recipient", "CredentialId", "Attempts"
        """;

    private const string AtDailyCapSql = """
        SELECT u.r FROM unnest(@recipients) AS u(r)
        WHERE (SELECT COUNT(*) FROM "Deliveries" AS o WHERE o."AccountId" = @account AND o."Recipient" = u.r
            AND o."LocalDay" = @day AND o."Status" IN (@sending, @sent)) >= @cap
        """;

    private const string TakeForSendingSql = """
        WITH v AS (SELECT * FROM unnest(@ids, @credentials) AS x(i, c)),
        picked AS (
            SELECT d."Id", v.c,
                CASE WHEN CAST(@cap AS integer) IS NULL THEN 0
                     WHEN (SELECT COUNT(*) FROM "Deliveries" AS o WHERE o."AccountId" = @account AND o."Recipient" = d."Recipient"
                           AND o."LocalDay" = @day AND o."Status" IN (@sending, @sent)) >= @cap THEN 1
                     ELSE 0 END AS capped
            FROM v CROSS JOIN "Deliveries" AS d
            WHERE d."Id" = v.i AND d."AccountId" = @account AND (CAST(@run AS bigint) IS NULL OR d."RunId" = @run) AND d."Status" = @pending
            FOR UPDATE OF d SKIP LOCKED)
        UPDATE "Deliveries" SET
            "Status" = CASE WHEN p.capped = 1 THEN @skipped ELSE @sending END,
            "SkipReason" = CASE WHEN p.capped = 1 THEN @capped ELSE @none END,
            "FinishedAt" = CASE WHEN p.capped = 1 THEN @now ELSE NULL END,
            "CredentialId" = CASE WHEN p.capped = 1 THEN "Deliveries"."CredentialId" ELSE COALESCE(p.c, "Deliveries"."CredentialId") END,
            "SendingSince" = @now, "Attempts" = "Deliveries"."Attempts" + 1
        FROM picked AS p
        WHERE "Deliveries"."Id" = p."Id" AND "Deliveries"."Status" = @pending
        RETURNING "Deliveries"."Id", "Deliveries"."Recipient", "Deliveries"."CredentialId", "Deliveries"."Attempts", "Deliveries"."Status"
        """;

    private const string LockAccountSql = "SELECT pg_advisory_xact_lock(@class, @account)";

    private const string AttachSql = """
        UPDATE "Deliveries" SET "CredentialId" = v.c FROM unnest(@ids, @credentials) AS v(i, c) WHERE "Deliveries"."Id" = v.i
        """;

    private const string RecordSql = """
        UPDATE "Deliveries" SET "Status" = v.s, "SkipReason" = v.k, "ErrCode" = v.e, "ErrMsg" = v.m, "MsgId" = v.g,
            "CredentialId" = CASE WHEN v.d THEN NULL ELSE COALESCE(v.c, "Deliveries"."CredentialId") END,
            "FinishedAt" = CASE WHEN v.s IN (@pending, @sending) THEN NULL ELSE @now END
        FROM unnest(@ids, @statuses, @reasons, @codes, @messages, @msgIds, @credentials, @detach) AS v(i, s, k, e, m, g, c, d)
        WHERE "Deliveries"."Id" = v.i AND "Deliveries"."Status" = @sending
        RETURNING "Deliveries"."RunId", "Deliveries"."Status", "Deliveries"."ErrCode", "Deliveries"."SkipReason", "Deliveries"."ErrMsg", "Deliveries"."MsgId"
        """;

    public override async Task<int> AddRecipientsAsync(DbConnection connection, DbTransaction transaction, long runId, int accountId,
        IReadOnlyList<string> recipients, DateOnly localDay, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var added = 0;
        foreach (var chunk in recipients.Chunk(Chunk))
        {
            await using var command = Command(connection, transaction, InsertSql);
            command.Parameters.Add(new NpgsqlParameter<long>("run", runId));
            command.Parameters.Add(new NpgsqlParameter<int>("account", accountId));
            command.Parameters.Add(new NpgsqlParameter<DateOnly>("day", localDay));
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", now));
            command.Parameters.Add(new NpgsqlParameter<int>("pending", (int)DeliveryStatus.Pending));
            command.Parameters.Add(new NpgsqlParameter<int>("none", (int)SkipReason.None));
            command.Parameters.Add(new NpgsqlParameter<string[]>("recipients", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = chunk });
            added += await command.ExecuteNonQueryAsync(cancellationToken);
        }
        return added;
    }

    protected override async Task<Dictionary<string, long>> InsertRunsAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<DeliveryRun> runs, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, InsertRunsSql);
        command.Parameters.Add(new NpgsqlParameter<int[]>("kinds", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = runs.Select(r => (int)r.Kind).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string[]>("keys", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = runs.Select(r => r.FireKey).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string[]>("names", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = runs.Select(r => r.Name).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<int[]>("accounts", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = runs.Select(r => r.AccountId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<int[]>("templates", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = runs.Select(r => r.TemplateId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<int[]>("statuses", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = runs.Select(r => (int)r.Status).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<int?[]>("expected", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = runs.Select(r => r.ExpectedTotal).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<bool[]>("complete", NpgsqlDbType.Array | NpgsqlDbType.Boolean) { TypedValue = runs.Select(r => r.AudienceComplete).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<bool[]>("started", NpgsqlDbType.Array | NpgsqlDbType.Boolean) { TypedValue = runs.Select(r => r.StartedAt is not null).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", now));
        return await ReadRunIdsAsync(command, cancellationToken);
    }

    protected override async Task InsertOpenedAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<(long RunId, int AccountId, string Recipient)> rows, DateOnly localDay, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, InsertOpenedSql);
        command.Parameters.Add(new NpgsqlParameter<long[]>("runs", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = rows.Select(r => r.RunId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<int[]>("accounts", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = rows.Select(r => r.AccountId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string[]>("recipients", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = rows.Select(r => r.Recipient).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<DateOnly>("day", localDay));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", now));
        command.Parameters.Add(new NpgsqlParameter<int>("pending", (int)DeliveryStatus.Pending));
        command.Parameters.Add(new NpgsqlParameter<int>("none", (int)SkipReason.None));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    protected override DbCommand InsertMessagesCommand(DbConnection connection, DbTransaction transaction, TransactionalMessage[] messages)
    {
        var command = Command(connection, transaction, InsertMessagesSql);
        command.Parameters.Add(new NpgsqlParameter<int[]>("accounts", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = messages.Select(m => m.AccountId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<int[]>("templates", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = messages.Select(m => m.TemplateId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string[]>("openIds", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = messages.Select(m => m.OpenId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string?[]>("keys", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = messages.Select(m => m.IdempotencyKey).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string[]>("hashes", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = messages.Select(m => m.RequestHash).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string[]>("payloads", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = messages.Select(m => m.Payload).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string[]>("requestedBy", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = messages.Select(m => m.RequestedBy).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]>("created", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { TypedValue = messages.Select(m => m.CreatedAt).ToArray() });
        return command;
    }

    protected override bool IsUniqueViolation(DbException exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    public override Task PointMessagesAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<(long MessageId, long RunId)> pairs,
        CancellationToken cancellationToken) =>
        ExecuteInChunksAsync(connection, transaction, PointMessagesSql, pairs, Chunk, (command, chunk) =>
        {
            command.Parameters.Add(new NpgsqlParameter<long[]>("ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = chunk.Select(p => p.MessageId).ToArray() });
            command.Parameters.Add(new NpgsqlParameter<long[]>("runs", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = chunk.Select(p => p.RunId).ToArray() });
        }, cancellationToken);

    public override async Task<IReadOnlyList<TakenDelivery>> TakePendingAsync(DbConnection connection, long runId, int max, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var command = Command(connection, null, TakePendingSql);
        command.Parameters.Add(new NpgsqlParameter<long>("run", runId));
        command.Parameters.Add(new NpgsqlParameter<int>("max", max));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", now));
        command.Parameters.Add(new NpgsqlParameter<int>("pending", (int)DeliveryStatus.Pending));
        command.Parameters.Add(new NpgsqlParameter<int>("sending", (int)DeliveryStatus.Sending));
        return await ReadTakenAsync(command, null, cancellationToken);
    }

    public override async Task<IReadOnlySet<string>> AtDailyCapAsync(DbConnection connection, int accountId, IReadOnlyCollection<string> recipients,
        DateOnly localDay, int dailyCap, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, null, AtDailyCapSql);
        command.Parameters.Add(new NpgsqlParameter<string[]>("recipients", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = recipients.ToArray() });
        command.Parameters.Add(new NpgsqlParameter<int>("account", accountId));
        command.Parameters.Add(new NpgsqlParameter<DateOnly>("day", localDay));
        command.Parameters.Add(new NpgsqlParameter<int>("cap", dailyCap));
        command.Parameters.Add(new NpgsqlParameter<int>("sending", (int)DeliveryStatus.Sending));
        command.Parameters.Add(new NpgsqlParameter<int>("sent", (int)DeliveryStatus.Sent));
        return await ReadRecipientsAsync(command, cancellationToken);
    }

    public override async Task<TakeResult> TakeForSendingAsync(DbConnection connection, DbTransaction transaction, long? runId, int accountId,
        IReadOnlyList<(long DeliveryId, long? CredentialId)> rows, DateOnly localDay, int? dailyCap, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, TakeForSendingSql);
        command.Parameters.Add(new NpgsqlParameter<long[]>("ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = rows.Select(r => r.DeliveryId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<long?[]>("credentials", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = rows.Select(r => r.CredentialId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("run", NpgsqlDbType.Bigint) { Value = runId is { } run ? run : DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter<int>("account", accountId));
        command.Parameters.Add(new NpgsqlParameter<DateOnly>("day", localDay));
        command.Parameters.Add(new NpgsqlParameter("cap", NpgsqlDbType.Integer) { Value = dailyCap is { } cap ? cap : DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", now));
        command.Parameters.Add(new NpgsqlParameter<int>("pending", (int)DeliveryStatus.Pending));
        command.Parameters.Add(new NpgsqlParameter<int>("sending", (int)DeliveryStatus.Sending));
        command.Parameters.Add(new NpgsqlParameter<int>("sent", (int)DeliveryStatus.Sent));
        command.Parameters.Add(new NpgsqlParameter<int>("skipped", (int)DeliveryStatus.Skipped));
        command.Parameters.Add(new NpgsqlParameter<int>("capped", (int)SkipReason.Capped));
        command.Parameters.Add(new NpgsqlParameter<int>("none", (int)SkipReason.None));
        var capped = new List<TakenDelivery>();
        var taken = await ReadTakenAsync(command, capped, cancellationToken);
        return new TakeResult(taken, capped);
    }

    /// <summary>A transaction-scoped advisory lock per account: two runs reaching one user at once cannot both pass the cap.</summary>
    public override async Task LockAccountAsync(DbConnection connection, DbTransaction transaction, int accountId, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, LockAccountSql);
        command.Parameters.Add(new NpgsqlParameter<int>("class", DailyCapLockClass));
        command.Parameters.Add(new NpgsqlParameter<int>("account", accountId));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public override Task AttachCredentialsAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<(long DeliveryId, long CredentialId)> rows, CancellationToken cancellationToken) =>
        ExecuteInChunksAsync(connection, transaction, AttachSql, rows, Chunk, (command, chunk) =>
        {
            command.Parameters.Add(new NpgsqlParameter<long[]>("ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = chunk.Select(r => r.DeliveryId).ToArray() });
            command.Parameters.Add(new NpgsqlParameter<long[]>("credentials", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = chunk.Select(r => r.CredentialId).ToArray() });
        }, cancellationToken);

    public override Task<IReadOnlyList<RecordedDelivery>> RecordAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<DeliveryUpdate> updates, DateTimeOffset now, CancellationToken cancellationToken) =>
        RecordInChunksAsync(connection, transaction, RecordSql, updates, Chunk, (command, chunk) =>
        {
            command.Parameters.Add(new NpgsqlParameter<long[]>("ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = chunk.Select(u => u.Id).ToArray() });
            command.Parameters.Add(new NpgsqlParameter<int[]>("statuses", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = chunk.Select(u => (int)u.Status).ToArray() });
            command.Parameters.Add(new NpgsqlParameter<int[]>("reasons", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = chunk.Select(u => (int)u.SkipReason).ToArray() });
            command.Parameters.Add(new NpgsqlParameter<int?[]>("codes", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = chunk.Select(u => u.ErrCode).ToArray() });
            command.Parameters.Add(new NpgsqlParameter<string?[]>("messages", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = chunk.Select(u => Clip(u.ErrMsg)).ToArray() });
            command.Parameters.Add(new NpgsqlParameter<long?[]>("msgIds", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = chunk.Select(u => u.MsgId).ToArray() });
            command.Parameters.Add(new NpgsqlParameter<long?[]>("credentials", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = chunk.Select(u => u.CredentialId).ToArray() });
            command.Parameters.Add(new NpgsqlParameter<bool[]>("detach", NpgsqlDbType.Array | NpgsqlDbType.Boolean) { TypedValue = chunk.Select(u => u.DetachCredential).ToArray() });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", now));
            command.Parameters.Add(new NpgsqlParameter<int>("pending", (int)DeliveryStatus.Pending));
            command.Parameters.Add(new NpgsqlParameter<int>("sending", (int)DeliveryStatus.Sending));
        }, cancellationToken);

    private static NpgsqlCommand Command(DbConnection connection, DbTransaction? transaction, string sql) =>
        new(sql, (NpgsqlConnection)connection, (NpgsqlTransaction?)transaction);
}
