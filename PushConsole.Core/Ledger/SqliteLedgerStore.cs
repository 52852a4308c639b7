using System.Data.Common;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using PushConsole.Messages;

namespace PushConsole.Ledger;

/// <summary>
/// SQLite: a batch of rows travels as one JSON parameter read with json_each (binding hundreds of named parameters
/// costs Microsoft.Data.Sqlite more than the statement: it looks each name up in a list). Writers are serialised by
/// the database and, within the process, by the write gate; instants are UTC ticks as the EF model stores them.
/// </summary>
internal sealed class SqliteLedgerStore : LedgerStore
{
    private const int Chunk = 2000;

    // "WHERE true" tells SQLite's parser the ON CONFLICT belongs to the INSERT, not to a join.
    private const string InsertSql = """
        INSERT INTO "Deliveries" ("RunId","AccountId","Recipient","Status","SkipReason","Attempts","LocalDay","CreatedAt")
        SELECT @run, @account, value, @pending, @none, 0, @day, @now FROM json_each(@recipients) WHERE true
        ON CONFLICT ("RunId","Recipient") DO NOTHING
        """;

    private const string InsertRunsSql = """
        INSERT INTO "DeliveryRuns" ("Kind","FireKey","Name","AccountId","TemplateId","Status","ExpectedTotal","AudienceComplete","CreatedAt","StartedAt","Version")
        SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]'),
               json_extract(value, '$[4]'), json_extract(value, '$[5]'), json_extract(value, '$[6]'), json_extract(value, '$[7]'), @now,
               CASE WHEN json_extract(value, '$[8]') = 1 THEN @now END, 0
        FROM json_each(@runs) WHERE true
        RETURNING "Id", "FireKey"
        """;

    private const string InsertOpenedSql = """
        INSERT INTO "RunTallies" ("RunId","Sent","Failed","Unfollowed","Skipped","Rows")
        SELECT json_extract(value, '$[0]'), 0, 0, 0, 0, 0 FROM json_each(@rows);
        INSERT INTO "Deliveries" ("RunId","AccountId","Recipient","Status","SkipReason","Attempts","LocalDay","CreatedAt")
        SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), @pending, @none, 0, @day, @now
        FROM json_each(@rows) WHERE true
        ON CONFLICT ("RunId","Recipient") DO NOTHING;
        """;

    // CreatedAt as UTC ticks, as the EF model's converter stores it on SQLite (PushConsoleDbContext).
    private const string InsertMessagesSql = """
        INSERT INTO "TransactionalMessages" ("AccountId","TemplateId","OpenId","IdempotencyKey","RequestHash","Payload","RequestedBy","CreatedAt")
        SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]'),
               json_extract(value, '$[4]'), json_extract(value, '$[5]'), json_extract(value, '$[6]'), json_extract(value, '$[7]')
        FROM json_each(@messages) WHERE true
        RETURNING "Id", "AccountId", "TemplateId", "OpenId", "IdempotencyKey", "RequestHash", "RequestedBy"
        """;

    private const string PointMessagesSql = """
        WITH v AS (SELECT json_extract(value, '$[0]') AS i, json_extract(value, '$[1]') AS r FROM json_each(@pairs))
        UPDATE "TransactionalMessages" SET "RunId" = v.r FROM v WHERE "TransactionalMessages"."Id" = v.i
        """;

    private const string TakePendingSql = """
        WITH picked AS (
            SELECT "Id" FROM "Deliveries" WHERE "RunId" = @run AND "Status" = @pending ORDER BY "Id" LIMIT @max)
        UPDATE "Deliveries" SET "Status" = @sending, "SendingSince" = @now, "Attempts" = "Attempts" + 1
        WHERE "Status" = @pending AND "Id" IN (SELECT "Id" FROM picked)
        RETURNING "Id", "Recipient", "CredentialId", "Attempts"
        """;

    // A correlated count per user that the (AccountId, Recipient, LocalDay) index answers.
    private const string AtDailyCapSql = """
        SELECT u.value FROM json_each(@recipients) AS u
        WHERE (SELECT COUNT(*) FROM "Deliveries" AS o WHERE o."AccountId" = @account AND o."Recipient" = u.value
            AND o."LocalDay" = @day AND o."Status" IN (@sending, @sent)) >= @cap
        """;

    // Counted once per row, in the pick; rows of one run never share a user, so the count need not see the
    // statement's own changes. CROSS JOIN makes SQLite loop over the given rows and look each up by key.
    private const string TakeForSendingSql = """
        WITH v AS (SELECT json_extract(value, '$[0]') AS i, json_extract(value, '$[1]') AS c FROM json_each(@rows)),
        picked AS (
            SELECT d."Id", v.c,
                CASE WHEN @cap IS NULL THEN 0
                     WHEN (SELECT COUNT(*) FROM "Deliveries" AS o WHERE o."AccountId" = @account AND o."Recipient" = d."Recipient"
                           AND o."LocalDay" = @day AND o."Status" IN (@sending, @sent)) >= @cap THEN 1
                     ELSE 0 END AS capped
            FROM v CROSS JOIN "Deliveries" AS d
            WHERE d."Id" = v.i AND d."AccountId" = @account AND (@run IS NULL OR d."RunId" = @run) AND d."Status" = @pending)
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

    private const string AttachSql = """
        WITH v AS (SELECT json_extract(value, '$[0]') AS i, json_extract(value, '$[1]') AS c FROM json_each(@rows))
        UPDATE "Deliveries" SET "CredentialId" = v.c FROM v WHERE "Deliveries"."Id" = v.i
        """;

    private const string RecordSql = """
        WITH v AS (
            SELECT json_extract(value, '$[0]') AS i, json_extract(value, '$[1]') AS s, json_extract(value, '$[2]') AS k,
                   json_extract(value, '$[3]') AS e, json_extract(value, '$[4]') AS m, json_extract(value, '$[5]') AS g,
                   json_extract(value, '$[6]') AS c, json_extract(value, '$[7]') AS d
            FROM json_each(@rows))
        UPDATE "Deliveries" SET "Status" = v.s, "SkipReason" = v.k, "ErrCode" = v.e, "ErrMsg" = v.m, "MsgId" = v.g,
            "CredentialId" = CASE WHEN v.d = 1 THEN NULL ELSE COALESCE(v.c, "Deliveries"."CredentialId") END,
            "FinishedAt" = CASE WHEN v.s IN (@pending, @sending) THEN NULL ELSE @now END
        FROM v
        WHERE "Deliveries"."Id" = v.i AND "Deliveries"."Status" = @sending
        RETURNING "Deliveries"."RunId", "Deliveries"."Status", "Deliveries"."ErrCode", "Deliveries"."SkipReason", "Deliveries"."ErrMsg", "Deliveries"."MsgId"
        """;

    public override async Task<int> AddRecipientsAsync(DbConnection connection, DbTransaction transaction, long runId, int accountId,
        IReadOnlyList<string> recipients, DateOnly localDay, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var added = 0;
        foreach (var chunk in recipients.Chunk(Chunk))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = InsertSql;
            Add(command, "@run", runId);
            Add(command, "@account", accountId);
            Add(command, "@day", localDay);
            Add(command, "@now", now.UtcTicks);
            Add(command, "@pending", (int)DeliveryStatus.Pending);
            Add(command, "@none", (int)SkipReason.None);
            Add(command, "@recipients", JsonSerializer.Serialize(chunk));
            added += await command.ExecuteNonQueryAsync(cancellationToken);
        }
        return added;
    }

    protected override async Task<Dictionary<string, long>> InsertRunsAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<DeliveryRun> runs, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = InsertRunsSql;
        Add(command, "@runs", RunsJson(runs));
        Add(command, "@now", now.UtcTicks);
        return await ReadRunIdsAsync(command, cancellationToken);
    }

    protected override async Task InsertOpenedAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<(long RunId, int AccountId, string Recipient)> rows, DateOnly localDay, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = InsertOpenedSql;
        Add(command, "@rows", JsonSerializer.Serialize(rows.Select(r => new object[] { r.RunId, r.AccountId, r.Recipient })));
        Add(command, "@day", localDay);
        Add(command, "@now", now.UtcTicks);
        Add(command, "@pending", (int)DeliveryStatus.Pending);
        Add(command, "@none", (int)SkipReason.None);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    protected override DbCommand InsertMessagesCommand(DbConnection connection, DbTransaction transaction, TransactionalMessage[] messages)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = InsertMessagesSql;
        Add(command, "@messages", MessagesJson(messages, (json, createdAt) => json.WriteNumberValue(createdAt.UtcTicks)));
        return command;
    }

    // SQLITE_CONSTRAINT_UNIQUE (2067): the (AccountId, IdempotencyKey) index.
    protected override bool IsUniqueViolation(DbException exception) => exception is SqliteException { SqliteExtendedErrorCode: 2067 };

    public override Task PointMessagesAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<(long MessageId, long RunId)> pairs,
        CancellationToken cancellationToken) =>
        ExecuteInChunksAsync(connection, transaction, PointMessagesSql, pairs, Chunk, (command, chunk) =>
        {
            Add(command, "@pairs", JsonSerializer.Serialize(chunk.Select(p => new[] { p.MessageId, p.RunId })));
        }, cancellationToken);

    public override async Task<IReadOnlyList<TakenDelivery>> TakePendingAsync(DbConnection connection, long runId, int max, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = TakePendingSql;
        Add(command, "@run", runId);
        Add(command, "@max", max);
        Add(command, "@now", now.UtcTicks);
        Add(command, "@pending", (int)DeliveryStatus.Pending);
        Add(command, "@sending", (int)DeliveryStatus.Sending);
        return await ReadTakenAsync(command, null, cancellationToken);
    }

    public override async Task<IReadOnlySet<string>> AtDailyCapAsync(DbConnection connection, int accountId, IReadOnlyCollection<string> recipients,
        DateOnly localDay, int dailyCap, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = AtDailyCapSql;
        Add(command, "@recipients", JsonSerializer.Serialize(recipients));
        Add(command, "@account", accountId);
        Add(command, "@day", localDay);
        Add(command, "@cap", dailyCap);
        Add(command, "@sending", (int)DeliveryStatus.Sending);
        Add(command, "@sent", (int)DeliveryStatus.Sent);
        return await ReadRecipientsAsync(command, cancellationToken);
    }

    public override async Task<TakeResult> TakeForSendingAsync(DbConnection connection, DbTransaction transaction, long? runId, int accountId,
        IReadOnlyList<(long DeliveryId, long? CredentialId)> rows, DateOnly localDay, int? dailyCap, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = TakeForSendingSql;
        Add(command, "@rows", JsonSerializer.Serialize(rows.Select(r => new[] { r.DeliveryId, r.CredentialId })));
        Add(command, "@run", runId);
        Add(command, "@account", accountId);
        Add(command, "@day", localDay);
        Add(command, "@cap", dailyCap);
        Add(command, "@now", now.UtcTicks);
        Add(command, "@pending", (int)DeliveryStatus.Pending);
        Add(command, "@sending", (int)DeliveryStatus.Sending);
        Add(command, "@sent", (int)DeliveryStatus.Sent);
        Add(command, "@skipped", (int)DeliveryStatus.Skipped);
        Add(command, "@capped", (int)SkipReason.Capped);
        Add(command, "@none", (int)SkipReason.None);
        var capped = new List<TakenDelivery>();
        var taken = await ReadTakenAsync(command, capped, cancellationToken);
        return new TakeResult(taken, capped);
    }

    /// <summary>SQLite has one writer at a time: the take is serial already.</summary>
    public override Task LockAccountAsync(DbConnection connection, DbTransaction transaction, int accountId, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    public override Task AttachCredentialsAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<(long DeliveryId, long CredentialId)> rows, CancellationToken cancellationToken) =>
        ExecuteInChunksAsync(connection, transaction, AttachSql, rows, Chunk, (command, chunk) =>
        {
            Add(command, "@rows", JsonSerializer.Serialize(chunk.Select(r => new[] { r.DeliveryId, r.CredentialId })));
        }, cancellationToken);

    public override Task<IReadOnlyList<RecordedDelivery>> RecordAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<DeliveryUpdate> updates, DateTimeOffset now, CancellationToken cancellationToken) =>
        RecordInChunksAsync(connection, transaction, RecordSql, updates, Chunk, (command, chunk) =>
        {
            Add(command, "@rows", RowsJson(chunk));
            Add(command, "@now", now.UtcTicks);
            Add(command, "@pending", (int)DeliveryStatus.Pending);
            Add(command, "@sending", (int)DeliveryStatus.Sending);
        }, cancellationToken);

    /// <summary>Outcomes as one JSON array of [id, status, skip, errcode, errmsg, msgid, credential, detach] (SQL Server reads the same with OPENJSON).</summary>
    internal static string RowsJson(DeliveryUpdate[] chunk) => JsonRows(chunk, 48, (json, u) =>
    {
        json.WriteNumberValue(u.Id);
        json.WriteNumberValue((int)u.Status);
        json.WriteNumberValue((int)u.SkipReason);
        if (u.ErrCode is { } code) json.WriteNumberValue(code); else json.WriteNullValue();
        if (Clip(u.ErrMsg) is { } message) json.WriteStringValue(message); else json.WriteNullValue();
        if (u.MsgId is { } msgId) json.WriteNumberValue(msgId); else json.WriteNullValue();
        if (u.CredentialId is { } credential) json.WriteNumberValue(credential); else json.WriteNullValue();
        json.WriteNumberValue(u.DetachCredential ? 1 : 0);
    });
}
