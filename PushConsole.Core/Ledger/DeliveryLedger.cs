using System.Data.Common;
using System.Text;
using Microsoft.EntityFrameworkCore;
using PushConsole.Persistence;

namespace PushConsole.Ledger;

/// <summary>A recipient taken for sending: the ledger row id, who, and the credential it already holds, if any.</summary>
public sealed record TakenDelivery(long Id, string Recipient, long? CredentialId, int Attempts)
{
    public string ClientMsgId => Delivery.ClientMsgIdOf(Id);
}

/// <summary>The new state of a ledger row after a send attempt (or after a credential was attached to it).</summary>
public sealed record DeliveryUpdate(
    long Id,
    DeliveryStatus Status,
    SkipReason SkipReason = SkipReason.None,
    int? ErrCode = null,
    string? ErrMsg = null,
    long? MsgId = null,
    long? CredentialId = null,
    // Takes the credential off the row (WeChat refused it and no other was attached yet); otherwise a null
    // CredentialId keeps the one the row holds.
    bool DetachCredential = false);

/// <summary>Rows taken for sending, and rows that became Skipped (Capped) in the same step.</summary>
public sealed record TakeResult(IReadOnlyList<TakenDelivery> Taken, IReadOnlyList<TakenDelivery> Capped);

public sealed record RunCounts(int Pending, int Sending, int Sent, int Failed, int Skipped)
{
    public int Total => Pending + Sending + Sent + Failed + Skipped;
    public int Done => Sent + Failed + Skipped;
}

/// <summary>
/// Set-based access to the delivery ledger. The statements are written once for SQLite and PostgreSQL
/// (both speak INSERT … ON CONFLICT DO NOTHING, UPDATE … RETURNING and UPDATE … FROM); the provider differences —
/// row locking, how an instant is stored, and how a batch of rows is passed (a VALUES list on PostgreSQL, one JSON
/// parameter on SQLite) — are kept in <see cref="LedgerDialect"/>. SQL Server speaks none of those three, so its
/// statements are written apart, in <see cref="SqlServerLedger"/>.
/// </summary>
public sealed class DeliveryLedger(IDbContextFactory<PushConsoleDbContext> contexts, DatabaseOptions database, TimeProvider time,
    LedgerWriteGate? writeGate = null)
{
    private readonly LedgerWriteGate writes = writeGate ?? new LedgerWriteGate(database);
    private const int InsertChunk = 500;
    private const int UpdateChunk = 400;
    // SQLite takes a batch as one JSON parameter: binding hundreds of named parameters costs it more than the update
    // (Microsoft.Data.Sqlite looks each name up in a list, so the cost grows with the square of their number).
    private const int JsonChunk = 2000;
    private readonly LedgerDialect dialect = LedgerDialect.For(database.Provider);
    // SQL Server's statements differ in more than a few words (no ON CONFLICT, RETURNING or LIMIT): SqlServerLedger.
    private readonly bool sqlServer = database.Provider == DatabaseProvider.SqlServer;

    /// <summary>
    /// Returns the run for this fire key, creating it if it does not exist. Two callers with the same key (a duplicate
    /// trigger fire, two nodes) get the same run.
    /// </summary>
    public async Task<DeliveryRun> OpenRunAsync(DeliveryRun proposed, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var existing = await db.Set<DeliveryRun>().AsNoTracking().SingleOrDefaultAsync(r => r.FireKey == proposed.FireKey, cancellationToken);
        if (existing is not null)
        {
            return existing;
        }
        proposed.CreatedAt = time.GetUtcNow();
        db.Add(proposed);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return proposed;
        }
        catch (DbUpdateException)
        {
            // Lost the race to another caller with the same key: theirs is the run.
            await using var again = await contexts.CreateDbContextAsync(cancellationToken);
            return await again.Set<DeliveryRun>().AsNoTracking().SingleAsync(r => r.FireKey == proposed.FireKey, cancellationToken);
        }
    }

    /// <summary>Adds Pending rows for recipients not yet in the run; returns how many were new.</summary>
    public async Task<int> AddRecipientsAsync(DeliveryRun run, IReadOnlyList<string> recipients, DateOnly localDay, CancellationToken cancellationToken = default)
    {
        if (recipients.Count == 0)
        {
            return 0;
        }
        using var turn = await writes.EnterAsync(cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var connection = await OpenAsync(db, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var now = dialect.Instant(time.GetUtcNow());
        var added = 0;
        if (sqlServer)
        {
            added = await SqlServerLedger.AddRecipientsAsync(connection, transaction, run, recipients.Distinct().Chunk(JsonChunk), localDay,
                time.GetUtcNow(), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return added;
        }
        if (dialect.JsonRows)
        {
            foreach (var chunk in recipients.Distinct().Chunk(JsonChunk))
            {
                await using var command = connection.CreateCommand();
                command.Transaction = transaction;
                AddParameter(command, "@run", run.Id);
                AddParameter(command, "@account", run.AccountId);
                AddParameter(command, "@day", localDay);
                AddParameter(command, "@now", now);
                AddParameter(command, "@recipients", System.Text.Json.JsonSerializer.Serialize(chunk));
                // "WHERE true" tells SQLite's parser the ON CONFLICT belongs to the INSERT, not to a join.
                command.CommandText = """
                    INSERT INTO "Deliveries" ("RunId","AccountId","Recipient","Status","SkipReason","Attempts","LocalDay","CreatedAt")
                    SELECT @run, @account, value, 0, 0, 0, @day, @now FROM json_each(@recipients) WHERE true
                    ON CONFLICT ("RunId","Recipient") DO NOTHING
                    """;
                added += await command.ExecuteNonQueryAsync(cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
            return added;
        }
        foreach (var chunk in recipients.Distinct().Chunk(InsertChunk))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var sql = new StringBuilder("""INSERT INTO "Deliveries" ("RunId","AccountId","Recipient","Status","SkipReason","Attempts","LocalDay","CreatedAt") VALUES """);
            AddParameter(command, "@run", run.Id);
            AddParameter(command, "@account", run.AccountId);
            AddParameter(command, "@day", localDay);
            AddParameter(command, "@now", now);
            for (var i = 0; i < chunk.Length; i++)
            {
                sql.Append(i == 0 ? "" : ",").Append($"(@run,@account,@r{i},0,0,0,@day,@now)");
                AddParameter(command, $"@r{i}", chunk[i]);
            }
            sql.Append(""" ON CONFLICT ("RunId","Recipient") DO NOTHING""");
            command.CommandText = sql.ToString();
            added += await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return added;
    }

    /// <summary>
    /// Moves up to <paramref name="max"/> Pending rows of the run to Sending and returns them. Only the caller that
    /// made that move may send them; a concurrent caller (another node, a duplicate fire) gets other rows or none.
    /// </summary>
    public async Task<IReadOnlyList<TakenDelivery>> TakePendingAsync(long runId, int max, CancellationToken cancellationToken = default)
    {
        using var turn = await writes.EnterAsync(cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var connection = await OpenAsync(db, cancellationToken);
        if (sqlServer)
        {
            return await SqlServerLedger.TakePendingAsync(connection, runId, max, time.GetUtcNow(), cancellationToken);
        }
        await using var command = connection.CreateCommand();
        // The picked rows are a CTE so PostgreSQL evaluates the locking subquery once (an IN (subquery) may be
        // re-run per row and then take more than @max rows).
        command.CommandText = $"""
            WITH picked AS (
                SELECT "Id" FROM "Deliveries" WHERE "RunId" = @run AND "Status" = 0 ORDER BY "Id" LIMIT @max {dialect.SkipLocked})
            UPDATE "Deliveries" SET "Status" = 1, "SendingSince" = @now, "Attempts" = "Attempts" + 1
            WHERE "Status" = 0 AND "Id" IN (SELECT "Id" FROM picked)
            RETURNING "Id", "Recipient", "CredentialId", "Attempts"
            """;
        AddParameter(command, "@now", dialect.Instant(time.GetUtcNow()));
        AddParameter(command, "@run", runId);
        AddParameter(command, "@max", max);
        var taken = new List<TakenDelivery>(max);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            taken.Add(new TakenDelivery(reader.GetInt64(0), reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetInt64(2), reader.GetInt32(3)));
        }
        taken.Sort((a, b) => a.Id.CompareTo(b.Id));
        return taken;
    }

    /// <summary>The next Pending rows of the run, read without taking them (see <see cref="TakeForSendingAsync"/>).</summary>
    public async Task<IReadOnlyList<TakenDelivery>> PeekPendingAsync(long runId, int max, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var connection = await OpenAsync(db, cancellationToken);
        if (sqlServer)
        {
            return await SqlServerLedger.PeekPendingAsync(connection, runId, max, cancellationToken);
        }
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT "Id", "Recipient", "CredentialId", "Attempts" FROM "Deliveries"
            WHERE "RunId" = @run AND "Status" = 0 ORDER BY "Id" LIMIT @max
            """;
        AddParameter(command, "@run", runId);
        AddParameter(command, "@max", max);
        var rows = new List<TakenDelivery>(max);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new TakenDelivery(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt64(2), reader.GetInt32(3)));
        }
        return rows;
    }

    /// <summary>
    /// Which of these users already have <paramref name="dailyCap"/> messages of the account Sent or Sending on the
    /// local day: a read to skip claiming credentials for them (the take checks the cap again, atomically).
    /// </summary>
    public async Task<IReadOnlySet<string>> AtDailyCapAsync(int accountId, IReadOnlyCollection<string> recipients, DateOnly localDay, int dailyCap,
        CancellationToken cancellationToken = default)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        if (recipients.Count == 0)
        {
            return result;
        }
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var connection = await OpenAsync(db, cancellationToken);
        if (sqlServer)
        {
            return await SqlServerLedger.AtDailyCapAsync(connection, accountId, recipients, localDay, dailyCap, cancellationToken);
        }
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT u.r FROM ({dialect.TextList("@recipients")}) AS u
            WHERE (SELECT COUNT(*) FROM "Deliveries" AS o WHERE o."AccountId" = @account AND o."Recipient" = u.r
                AND o."LocalDay" = @day AND o."Status" IN (1, 2)) >= @cap
            """;
        AddParameter(command, "@recipients", dialect.JsonRows ? System.Text.Json.JsonSerializer.Serialize(recipients) : recipients.ToArray());
        AddParameter(command, "@account", accountId);
        AddParameter(command, "@day", localDay);
        AddParameter(command, "@cap", dailyCap);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(reader.GetString(0));
        }
        return result;
    }

    /// <summary>
    /// Takes these rows of the run (those still Pending: another sender may have taken some) for sending on the
    /// account-local day <paramref name="localDay"/>, attaching the credential given for each in the same write, and
    /// applies the per-user daily cap in the same step: a row whose user already has <paramref name="dailyCap"/> rows
    /// of the account Sent or Sending that day, in any run, becomes Skipped (Capped) instead, without the credential.
    /// The check and the take are one serialized step per account (SQLite's single writer; a transaction-scoped
    /// advisory lock on PostgreSQL), so two runs reaching the same user at once cannot both pass the cap. The rows
    /// must carry <paramref name="localDay"/> already (<see cref="RestampPendingAsync"/>).
    /// </summary>
    /// <param name="rows">Row ids, each with the credential claimed for it (null: none, or keep the one it holds).</param>
    public async Task<TakeResult> TakeForSendingAsync(long runId, int accountId, IReadOnlyList<(long DeliveryId, long? CredentialId)> rows,
        DateOnly localDay, int? dailyCap, CancellationToken cancellationToken = default)
    {
        if (rows.Count == 0)
        {
            return new TakeResult([], []);
        }
        using var turn = await writes.EnterAsync(cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var connection = await OpenAsync(db, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (sqlServer)
        {
            var result = await SqlServerLedger.TakeForSendingAsync(connection, transaction, runId, accountId, rows, localDay, dailyCap,
                time.GetUtcNow(), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return result;
        }
        if (dailyCap is not null && dialect.AccountLock is { } lockSql)
        {
            await using var lockCommand = connection.CreateCommand();
            lockCommand.Transaction = transaction;
            lockCommand.CommandText = lockSql;
            AddParameter(lockCommand, "@account", accountId);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        string source;
        if (dialect.JsonRows)
        {
            AddParameter(command, "@rows", System.Text.Json.JsonSerializer.Serialize(rows.Select(r => new[] { r.DeliveryId, r.CredentialId })));
            source = "SELECT json_extract(value, '$[0]') AS i, json_extract(value, '$[1]') AS c FROM json_each(@rows)";
        }
        else
        {
            var values = new StringBuilder();
            for (var i = 0; i < rows.Count; i++)
            {
                values.Append(i == 0 ? "" : ",").Append($"({dialect.Typed($"@i{i}", "bigint")},{dialect.Typed($"@c{i}", "bigint")})");
                AddParameter(command, $"@i{i}", rows[i].DeliveryId);
                AddParameter(command, $"@c{i}", rows[i].CredentialId);
            }
            source = $"SELECT * FROM (VALUES {values}) AS x(i, c)";
        }
        // Counted once per row, in the pick. Rows of one run never share a user, so the count need not see the
        // statement's own changes.
        var over = dailyCap is null ? "1 = 0" : """
            (SELECT COUNT(*) FROM "Deliveries" AS o WHERE o."AccountId" = @account AND o."Recipient" = d."Recipient"
                AND o."LocalDay" = @day AND o."Status" IN (1, 2)) >= @cap
            """;
        // Only the status index changes: the other columns set here are unindexed. CROSS JOIN makes SQLite loop over
        // the given rows and look each up by key (left to itself it may walk the run's pending rows instead).
        command.CommandText = $"""
            WITH v AS ({source}),
            picked AS (
                SELECT d."Id", v.c, CASE WHEN {over} THEN 1 ELSE 0 END AS capped
                FROM v CROSS JOIN "Deliveries" AS d
                WHERE d."Id" = v.i AND d."RunId" = @run AND d."Status" = 0 {dialect.SkipLockedOf("d")})
            UPDATE "Deliveries" SET
                "Status" = CASE WHEN p.capped = 1 THEN 4 ELSE 1 END,
                "SkipReason" = CASE WHEN p.capped = 1 THEN 2 ELSE 0 END,
                "FinishedAt" = CASE WHEN p.capped = 1 THEN {dialect.Typed("@now", dialect.InstantType)} ELSE NULL END,
                "CredentialId" = CASE WHEN p.capped = 1 THEN "Deliveries"."CredentialId" ELSE COALESCE(p.c, "Deliveries"."CredentialId") END,
                "SendingSince" = @now, "Attempts" = "Deliveries"."Attempts" + 1
            FROM picked AS p
            WHERE "Deliveries"."Id" = p."Id" AND "Deliveries"."Status" = 0
            RETURNING "Deliveries"."Id", "Deliveries"."Recipient", "Deliveries"."CredentialId", "Deliveries"."Attempts", "Deliveries"."Status"
            """;
        AddParameter(command, "@now", dialect.Instant(time.GetUtcNow()));
        AddParameter(command, "@run", runId);
        AddParameter(command, "@day", localDay);
        AddParameter(command, "@account", accountId);
        AddParameter(command, "@cap", dailyCap ?? 0);
        var max = rows.Count;
        var taken = new List<TakenDelivery>(max);
        var capped = new List<TakenDelivery>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var row = new TakenDelivery(reader.GetInt64(0), reader.GetString(1),
                    reader.IsDBNull(2) ? null : reader.GetInt64(2), reader.GetInt32(3));
                (reader.GetInt32(4) == (int)DeliveryStatus.Skipped ? capped : taken).Add(row);
            }
        }
        await transaction.CommitAsync(cancellationToken);
        taken.Sort((a, b) => a.Id.CompareTo(b.Id));
        return new TakeResult(taken, capped);
    }

    /// <summary>
    /// Moves the run's Pending rows to the account-local day they are about to be sent on, when a run goes on past
    /// the day its audience was written (held overnight, or running over midnight): the daily cap counts each send
    /// toward the day it goes out. Called when the day changes, not per batch.
    /// </summary>
    public async Task<int> RestampPendingAsync(long runId, DateOnly localDay, CancellationToken cancellationToken = default)
    {
        using var turn = await writes.EnterAsync(cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Set<Delivery>().Where(d => d.RunId == runId && d.Status == DeliveryStatus.Pending && d.LocalDay != localDay)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.LocalDay, localDay), cancellationToken);
    }

    /// <summary>
    /// Records the credential each row is about to be sent with, before the send, so a resend after a crash uses the
    /// same one. Touches no indexed column: cheaper than a full <see cref="UpdateAsync"/>.
    /// </summary>
    public async Task AttachCredentialsAsync(IReadOnlyList<(long DeliveryId, long CredentialId)> rows, CancellationToken cancellationToken = default)
    {
        if (rows.Count == 0)
        {
            return;
        }
        using var turn = await writes.EnterAsync(cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var connection = await OpenAsync(db, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var chunk in rows.Chunk(dialect.JsonRows ? JsonChunk : UpdateChunk * 4))
        {
            if (sqlServer)
            {
                await SqlServerLedger.AttachCredentialsAsync(connection, transaction,
                    System.Text.Json.JsonSerializer.Serialize(chunk.Select(r => new[] { r.DeliveryId, r.CredentialId })), cancellationToken);
                continue;
            }
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            string source;
            if (dialect.JsonRows)
            {
                AddParameter(command, "@rows", System.Text.Json.JsonSerializer.Serialize(chunk.Select(r => new[] { r.DeliveryId, r.CredentialId })));
                source = "SELECT json_extract(value, '$[0]') AS i, json_extract(value, '$[1]') AS c FROM json_each(@rows)";
            }
            else
            {
                var values = new StringBuilder();
                for (var i = 0; i < chunk.Length; i++)
                {
                    values.Append(i == 0 ? "" : ",").Append($"({dialect.Typed($"@i{i}", "bigint")},{dialect.Typed($"@c{i}", "bigint")})");
                    AddParameter(command, $"@i{i}", chunk[i].DeliveryId);
                    AddParameter(command, $"@c{i}", chunk[i].CredentialId);
                }
                source = $"SELECT * FROM (VALUES {values}) AS x(i, c)";
            }
            command.CommandText = $"""
                WITH v AS ({source})
                UPDATE "Deliveries" SET "CredentialId" = v.c FROM v WHERE "Deliveries"."Id" = v.i
                """;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Writes the outcome of sends (or attaches credentials) in a few set-based statements.</summary>
    public async Task UpdateAsync(IReadOnlyList<DeliveryUpdate> updates, CancellationToken cancellationToken = default)
    {
        if (updates.Count == 0)
        {
            return;
        }
        using var turn = await writes.EnterAsync(cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var connection = await OpenAsync(db, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var now = dialect.Instant(time.GetUtcNow());
        if (sqlServer)
        {
            foreach (var chunk in updates.Chunk(JsonChunk))
            {
                await SqlServerLedger.UpdateAsync(connection, transaction, UpdateRowsJson(chunk), time.GetUtcNow(), cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
            return;
        }
        if (dialect.JsonRows)
        {
            foreach (var chunk in updates.Chunk(JsonChunk))
            {
                await using var command = connection.CreateCommand();
                command.Transaction = transaction;
                AddParameter(command, "@rows", UpdateRowsJson(chunk));
                AddParameter(command, "@now", now);
                command.CommandText = """
                    WITH v AS (
                        SELECT json_extract(value, '$[0]') AS i, json_extract(value, '$[1]') AS s, json_extract(value, '$[2]') AS k,
                               json_extract(value, '$[3]') AS e, json_extract(value, '$[4]') AS m, json_extract(value, '$[5]') AS g,
                               json_extract(value, '$[6]') AS c, json_extract(value, '$[7]') AS d
                        FROM json_each(@rows))
                    UPDATE "Deliveries" SET "Status" = v.s, "SkipReason" = v.k, "ErrCode" = v.e, "ErrMsg" = v.m, "MsgId" = v.g,
                        "CredentialId" = CASE WHEN v.d = 1 THEN NULL ELSE COALESCE(v.c, "Deliveries"."CredentialId") END,
                        "FinishedAt" = CASE WHEN v.s >= 2 THEN @now ELSE NULL END
                    FROM v
                    WHERE "Deliveries"."Id" = v.i
                    """;
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
            return;
        }
        foreach (var chunk in updates.Chunk(UpdateChunk))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var values = new StringBuilder();
            for (var i = 0; i < chunk.Length; i++)
            {
                var u = chunk[i];
                values.Append(i == 0 ? "" : ",").Append(
                    $"({dialect.Typed($"@i{i}", "bigint")},{dialect.Typed($"@s{i}", "integer")},{dialect.Typed($"@k{i}", "integer")}," +
                    $"{dialect.Typed($"@e{i}", "integer")},{dialect.Typed($"@m{i}", "text")},{dialect.Typed($"@g{i}", "bigint")},{dialect.Typed($"@c{i}", "bigint")}," +
                    $"{dialect.Typed($"@d{i}", "integer")})");
                AddParameter(command, $"@i{i}", u.Id);
                AddParameter(command, $"@s{i}", (int)u.Status);
                AddParameter(command, $"@k{i}", (int)u.SkipReason);
                AddParameter(command, $"@e{i}", u.ErrCode);
                AddParameter(command, $"@m{i}", u.ErrMsg is { Length: > 500 } ? u.ErrMsg[..500] : u.ErrMsg);
                AddParameter(command, $"@g{i}", u.MsgId);
                AddParameter(command, $"@c{i}", u.CredentialId);
                AddParameter(command, $"@d{i}", u.DetachCredential ? 1 : 0);
            }
            AddParameter(command, "@now", now);
            command.CommandText = $"""
                WITH v(i, s, k, e, m, g, c, d) AS (VALUES {values})
                UPDATE "Deliveries" SET "Status" = v.s, "SkipReason" = v.k, "ErrCode" = v.e, "ErrMsg" = v.m, "MsgId" = v.g,
                    "CredentialId" = CASE WHEN v.d = 1 THEN NULL ELSE COALESCE(v.c, "Deliveries"."CredentialId") END,
                    "FinishedAt" = CASE WHEN v.s >= 2 THEN {dialect.Typed("@now", dialect.InstantType)} ELSE NULL END
                FROM v
                WHERE "Deliveries"."Id" = v.i
                """;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Puts rows left in Sending by a process that died back to Pending (keeping their credential), so a resumed run
    /// sends them again. Only rows taken longer ago than <paramref name="olderThan"/> are touched, so a live sender's
    /// rows are left alone.
    /// </summary>
    public async Task<int> RequeueAbandonedAsync(long runId, TimeSpan olderThan, CancellationToken cancellationToken = default)
    {
        using var turn = await writes.EnterAsync(cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var connection = await OpenAsync(db, cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = RequeueAbandonedSql;
        AddParameter(command, "@run", runId);
        AddParameter(command, "@cutoff", dialect.Instant(time.GetUtcNow() - olderThan));
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The same words on every database.</summary>
    internal const string RequeueAbandonedSql = """UPDATE "Deliveries" SET "Status" = 0 WHERE "RunId" = @run AND "Status" = 1 AND "SendingSince" < @cutoff""";

    /// <summary>Marks every Pending row of a canceled run as skipped, so the counts add up to the audience.</summary>
    public async Task<int> SkipPendingAsync(long runId, SkipReason reason, CancellationToken cancellationToken = default)
    {
        using var turn = await writes.EnterAsync(cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        return await db.Set<Delivery>().Where(d => d.RunId == runId && d.Status == DeliveryStatus.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Skipped)
                .SetProperty(d => d.SkipReason, reason).SetProperty(d => d.FinishedAt, now), cancellationToken);
    }

    /// <summary>Counts by status, straight from the rows.</summary>
    public async Task<RunCounts> CountAsync(long runId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var counts = await db.Set<Delivery>().Where(d => d.RunId == runId)
            .GroupBy(d => d.Status).Select(g => new { Status = g.Key, Count = g.Count() })
            .ToDictionaryAsync(x => x.Status, x => x.Count, cancellationToken);
        int Of(DeliveryStatus s) => counts.GetValueOrDefault(s);
        return new RunCounts(Of(DeliveryStatus.Pending), Of(DeliveryStatus.Sending), Of(DeliveryStatus.Sent),
            Of(DeliveryStatus.Failed), Of(DeliveryStatus.Skipped));
    }

    /// <summary>
    /// How many messages each of these users has been sent (or is being sent) on a local day by this account, across
    /// runs: the per-user daily cap.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, int>> SentOnDayAsync(int accountId, IReadOnlyCollection<string> recipients, DateOnly localDay, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var result = new Dictionary<string, int>();
        foreach (var chunk in recipients.Chunk(InsertChunk))
        {
            var rows = await db.Set<Delivery>()
                .Where(d => d.AccountId == accountId && d.LocalDay == localDay && chunk.Contains(d.Recipient)
                    && (d.Status == DeliveryStatus.Sent || d.Status == DeliveryStatus.Sending))
                .GroupBy(d => d.Recipient).Select(g => new { Recipient = g.Key, Count = g.Count() })
                .ToListAsync(cancellationToken);
            foreach (var row in rows)
            {
                result[row.Recipient] = row.Count;
            }
        }
        return result;
    }

    private static string UpdateRowsJson(DeliveryUpdate[] chunk)
    {
        using var buffer = new MemoryStream(chunk.Length * 48);
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var u in chunk)
            {
                json.WriteStartArray();
                json.WriteNumberValue(u.Id);
                json.WriteNumberValue((int)u.Status);
                json.WriteNumberValue((int)u.SkipReason);
                if (u.ErrCode is { } code) json.WriteNumberValue(code); else json.WriteNullValue();
                if (u.ErrMsg is { } message) json.WriteStringValue(message.Length > 500 ? message[..500] : message); else json.WriteNullValue();
                if (u.MsgId is { } msgId) json.WriteNumberValue(msgId); else json.WriteNullValue();
                if (u.CredentialId is { } credential) json.WriteNumberValue(credential); else json.WriteNullValue();
                json.WriteNumberValue(u.DetachCredential ? 1 : 0);
                json.WriteEndArray();
            }
            json.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static async Task<DbConnection> OpenAsync(PushConsoleDbContext db, CancellationToken cancellationToken)
    {
        var connection = db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await connection.OpenAsync(cancellationToken);
        }
        return connection;
    }

    private static void AddParameter(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        if (value is null)
        {
            // Give NULLs a type so PostgreSQL can infer the VALUES column.
            parameter.DbType = System.Data.DbType.Int64;
        }
        command.Parameters.Add(parameter);
    }
}

/// <summary>The little that differs between SQLite and PostgreSQL in ledger SQL.</summary>
internal sealed record LedgerDialect(string SkipLocked, bool StoresTicks, bool CastsValues, string? AccountLock, bool JsonRows)
{
    /// <summary>A list of strings given as one parameter, as rows of a column "r".</summary>
    public string TextList(string parameter) => JsonRows
        ? $"SELECT value AS r FROM json_each({parameter})"
        : $"SELECT unnest(CAST({parameter} AS text[])) AS r";

    /// <summary>Row locking of a query that joins: only the rows of <paramref name="alias"/> are locked.</summary>
    public string SkipLockedOf(string alias) => SkipLocked.Length == 0 ? "" : $"FOR UPDATE OF {alias} SKIP LOCKED";

    // SQLite serializes writers by itself; PostgreSQL takes a lock per account until the transaction ends
    // (the first key is an arbitrary constant naming "the per-user daily cap").
    public static LedgerDialect For(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Sqlite => new("", StoresTicks: true, CastsValues: false, AccountLock: null, JsonRows: true),
        DatabaseProvider.Postgres => new("FOR UPDATE SKIP LOCKED", StoresTicks: false, CastsValues: true,
            AccountLock: "SELECT pg_advisory_xact_lock(1346585601, CAST(@account AS integer))", JsonRows: false),
        // Only the instant and the chunk size are read on SQL Server; its statements are SqlServerLedger's.
        DatabaseProvider.SqlServer => new("", StoresTicks: false, CastsValues: false, AccountLock: null, JsonRows: true),
        _ => throw new NotSupportedException($"No ledger dialect for {provider}."),
    };

    /// <summary>An instant as the column stores it (UTC ticks on SQLite, see PushConsoleDbContext).</summary>
    public object Instant(DateTimeOffset value) => StoresTicks ? value.UtcTicks : value;

    public string InstantType => "timestamptz";

    /// <summary>PostgreSQL cannot infer a type for parameters in VALUES lists; SQLite needs no casts.</summary>
    public string Typed(string parameter, string type) => CastsValues ? $"CAST({parameter} AS {type})" : parameter;
}
