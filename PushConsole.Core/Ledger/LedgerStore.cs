using System.Data.Common;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PushConsole.Messages;

namespace PushConsole.Ledger;

/// <summary>
/// A ledger row changed by <see cref="DeliveryLedger.UpdateAsync"/>: its run and the outcome as written, so whoever waits
/// for it (a transactional message's caller) has it without reading the row again. <paramref name="RunCompleted"/>: the
/// same write completed the row's run (a run of one row, see <see cref="DeliveryLedger.UpdateAsync"/>).
/// </summary>
public readonly record struct RecordedDelivery(long RunId, DeliveryStatus Status, int? ErrCode, SkipReason SkipReason = SkipReason.None,
    string? ErrMsg = null, long? MsgId = null, DateTimeOffset? FinishedAt = null, bool RunCompleted = false);

/// <summary>
/// The delivery ledger's statements whose SQL depends on the database: bulk inserts, takes that lock rows, and
/// set-based updates of many rows. One class per provider holds them as constant, parameterised SQL (statuses are
/// parameters too); everything EF Core can express stays in <see cref="DeliveryLedger"/>. Each method runs on the
/// connection (and transaction, where given) the ledger opened, so it can share a transaction with EF statements.
/// </summary>
internal abstract class LedgerStore
{
    /// <summary>Adds Pending rows for recipients not yet in the run (insert-or-ignore); returns how many were new.</summary>
    public abstract Task<int> AddRecipientsAsync(DbConnection connection, DbTransaction transaction, long runId, int accountId,
        IReadOnlyList<string> recipients, DateOnly localDay, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Opens runs of one recipient each (transactional messages) with their tallies and Pending rows, in a few
    /// statements however many there are, and sets each run's Id. Their fire keys are new (a message's own id).
    /// </summary>
    public async Task OpenRunsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<(DeliveryRun Run, string Recipient)> runs,
        DateOnly localDay, DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var chunk in runs.Chunk(OpenChunk))
        {
            var ids = await InsertRunsAsync(connection, transaction, chunk.Select(c => c.Run).ToList(), now, cancellationToken);
            foreach (var (run, _) in chunk)
            {
                run.Id = ids[run.FireKey];
                run.CreatedAt = now;
                run.StartedAt = run.StartedAt is null ? null : now;
            }
            await InsertOpenedAsync(connection, transaction, chunk.Select(c => (c.Run.Id, c.Run.AccountId, c.Recipient)).ToList(), localDay, now,
                cancellationToken);
        }
    }

    private const int OpenChunk = 1000;

    /// <summary>
    /// Inserts the runs as they are (CreatedAt <paramref name="now"/>, StartedAt <paramref name="now"/> for a run given a
    /// start, Version 0); returns each one's Id by its fire key.
    /// </summary>
    protected abstract Task<Dictionary<string, long>> InsertRunsAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<DeliveryRun> runs, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Each new run's tally (all zero) and its one Pending row, in one command.</summary>
    protected abstract Task InsertOpenedAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<(long RunId, int AccountId, string Recipient)> rows, DateOnly localDay, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>A run as <see cref="InsertRunsAsync"/> sends it in JSON: [kind, fire key, name, account, template, status, expected, complete, started].</summary>
    protected static string RunsJson(IReadOnlyList<DeliveryRun> runs) => System.Text.Json.JsonSerializer.Serialize(runs.Select(r => new object?[]
    {
        (int)r.Kind, r.FireKey, r.Name, r.AccountId, r.TemplateId, (int)r.Status, r.ExpectedTotal, r.AudienceComplete ? 1 : 0, r.StartedAt is null ? 0 : 1,
    }));

    protected static async Task<Dictionary<string, long>> ReadRunIdsAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var ids = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids[reader.GetString(1)] = reader.GetInt64(0);
        }
        return ids;
    }

    /// <summary>
    /// Inserts a lane's batch of transactional messages in one statement per chunk (EF Core's SaveChanges would send one
    /// INSERT per message on SQLite) and sets each message's Id. They live in this store because they share the lane's
    /// one transaction with the runs and rows <see cref="OpenRunsAsync"/> opens for them, and their SQL is the
    /// provider's like theirs. The order of the rows the database returns is not guaranteed, so each returned row is
    /// matched to a message by the columns that say what it is (account, template, user, key, request hash, requester):
    /// two messages equal in all of them are the same content from the same caller at the same instant, so which of them
    /// gets which id cannot be told apart. A unique Idempotency-Key another node recorded meanwhile is reported as a
    /// <see cref="DbUpdateException"/>, as EF Core reported it, so the lane tries the batch again and finds that message.
    /// </summary>
    public async Task InsertMessagesAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<TransactionalMessage> messages,
        CancellationToken cancellationToken)
    {
        foreach (var chunk in messages.Chunk(OpenChunk))
        {
            await using var command = InsertMessagesCommand(connection, transaction, chunk);
            var waiting = new Dictionary<MessageIdentity, Queue<TransactionalMessage>>();
            foreach (var message in chunk)
            {
                var identity = new MessageIdentity(message.AccountId, message.TemplateId, message.OpenId, message.IdempotencyKey, message.RequestHash,
                    message.RequestedBy);
                if (!waiting.TryGetValue(identity, out var same))
                {
                    waiting[identity] = same = new Queue<TransactionalMessage>(1);
                }
                same.Enqueue(message);
            }
            try
            {
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    var identity = new MessageIdentity(reader.GetInt32(1), reader.GetInt32(2), reader.GetString(3),
                        reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5), reader.GetString(6));
                    if (!waiting.TryGetValue(identity, out var same) || !same.TryDequeue(out var message))
                    {
                        throw new InvalidOperationException("The database returned a transactional message the batch did not insert.");
                    }
                    message.Id = reader.GetInt64(0);
                }
            }
            catch (DbException e) when (IsUniqueViolation(e))
            {
                throw new DbUpdateException("An Idempotency-Key of the batch was recorded meanwhile (unique per account).", e);
            }
            if (waiting.Values.Any(same => same.Count > 0))
            {
                throw new InvalidOperationException("The database did not return every transactional message the batch inserted.");
            }
        }
    }

    /// <summary>What the database returns of an inserted message to match it with its entry: columns, in the order of its RETURNING/OUTPUT.</summary>
    private readonly record struct MessageIdentity(int AccountId, int TemplateId, string OpenId, string? IdempotencyKey, string RequestHash,
        string RequestedBy);

    /// <summary>
    /// The insert of <paramref name="messages"/> (RunId NULL), returning Id, AccountId, TemplateId, OpenId, IdempotencyKey,
    /// RequestHash, RequestedBy of each row.
    /// </summary>
    protected abstract DbCommand InsertMessagesCommand(DbConnection connection, DbTransaction transaction, TransactionalMessage[] messages);

    /// <summary>The provider's unique-constraint violation (a raw ADO.NET error, not EF Core's DbUpdateException).</summary>
    protected abstract bool IsUniqueViolation(DbException exception);

    /// <summary>Points each message at its run (the pairs the lane knows once both are inserted), in one statement per chunk.</summary>
    public abstract Task PointMessagesAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<(long MessageId, long RunId)> pairs,
        CancellationToken cancellationToken);

    /// <summary>
    /// Messages as one JSON array of [account, template, openid, key, hash, payload, requestedBy, createdAt] for json_each
    /// (SQLite) and OPENJSON (SQL Server); <paramref name="writeCreatedAt"/> writes the instant as the provider stores it.
    /// </summary>
    protected static string MessagesJson(TransactionalMessage[] messages, Action<Utf8JsonWriter, DateTimeOffset> writeCreatedAt) =>
        JsonRows(messages, 256, (json, m) =>
        {
            json.WriteNumberValue(m.AccountId);
            json.WriteNumberValue(m.TemplateId);
            json.WriteStringValue(m.OpenId);
            if (m.IdempotencyKey is { } key) json.WriteStringValue(key); else json.WriteNullValue();
            json.WriteStringValue(m.RequestHash);
            json.WriteStringValue(m.Payload);
            json.WriteStringValue(m.RequestedBy);
            writeCreatedAt(json, m.CreatedAt);
        });

    /// <summary>
    /// Rows as one JSON array of arrays, each written by <paramref name="writeRow"/> (its values in order), for json_each
    /// and OPENJSON: written straight to UTF-8, without serialising an object per row.
    /// </summary>
    internal static string JsonRows<TRow>(IReadOnlyList<TRow> rows, int bytesPerRow, Action<Utf8JsonWriter, TRow> writeRow)
    {
        using var buffer = new MemoryStream(rows.Count * bytesPerRow);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var row in rows)
            {
                json.WriteStartArray();
                writeRow(json, row);
                json.WriteEndArray();
            }
            json.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Moves up to <paramref name="max"/> Pending rows of the run to Sending (rows another taker locks are skipped).</summary>
    public abstract Task<IReadOnlyList<TakenDelivery>> TakePendingAsync(DbConnection connection, long runId, int max, DateTimeOffset now,
        CancellationToken cancellationToken);

    /// <summary>Which of these users already have <paramref name="dailyCap"/> rows of the account Sent or Sending on the local day.</summary>
    public abstract Task<IReadOnlySet<string>> AtDailyCapAsync(DbConnection connection, int accountId, IReadOnlyCollection<string> recipients,
        DateOnly localDay, int dailyCap, CancellationToken cancellationToken);

    /// <summary>
    /// Takes the given rows (those still Pending) with their credentials, applying the per-user daily cap in the same
    /// step; capped rows become Skipped (Capped). The caller serialises takes per account where the cap applies
    /// (<see cref="LockAccountAsync"/>).
    /// </summary>
    public abstract Task<TakeResult> TakeForSendingAsync(DbConnection connection, DbTransaction transaction, long? runId, int accountId,
        IReadOnlyList<(long DeliveryId, long? CredentialId)> rows, DateOnly localDay, int? dailyCap, DateTimeOffset now,
        CancellationToken cancellationToken);

    /// <summary>Serialises the daily-cap check of one account until the transaction ends (no-op where writers are serial anyway).</summary>
    public abstract Task LockAccountAsync(DbConnection connection, DbTransaction transaction, int accountId, CancellationToken cancellationToken);

    /// <summary>Records the credential each row is about to be sent with.</summary>
    public abstract Task AttachCredentialsAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<(long DeliveryId, long CredentialId)> rows, CancellationToken cancellationToken);

    /// <summary>
    /// Writes outcomes to rows still in Sending (a row recorded twice changes once) and returns the rows it changed.
    /// </summary>
    public abstract Task<IReadOnlyList<RecordedDelivery>> RecordAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<DeliveryUpdate> updates, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Error messages are kept to the column's size.</summary>
    /// <summary>
    /// Runs <paramref name="sql"/> once per chunk of <paramref name="rows"/> (a provider's limit on one statement's
    /// payload), with the chunk's parameters added by <paramref name="bind"/>.
    /// </summary>
    protected static async Task ExecuteInChunksAsync<TRow>(DbConnection connection, DbTransaction transaction, string sql,
        IReadOnlyList<TRow> rows, int chunkSize, Action<DbCommand, TRow[]> bind, CancellationToken cancellationToken)
    {
        foreach (var chunk in rows.Chunk(chunkSize))
        {
            await using var command = CommandFor(connection, transaction, sql, chunk, bind);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>
    /// The outcome write of <see cref="RecordAsync"/> in chunks: <paramref name="sql"/> returns (RunId, Status, ErrCode)
    /// of every row it changed.
    /// </summary>
    protected static async Task<IReadOnlyList<RecordedDelivery>> RecordInChunksAsync(DbConnection connection, DbTransaction transaction,
        string sql, IReadOnlyList<DeliveryUpdate> updates, int chunkSize, Action<DbCommand, DeliveryUpdate[]> bind,
        CancellationToken cancellationToken)
    {
        var recorded = new List<RecordedDelivery>(updates.Count);
        foreach (var chunk in updates.Chunk(chunkSize))
        {
            await using var command = CommandFor(connection, transaction, sql, chunk, bind);
            await ReadRecordedAsync(command, recorded, cancellationToken);
        }
        return recorded;
    }

    private static DbCommand CommandFor<TRow>(DbConnection connection, DbTransaction transaction, string sql, TRow[] chunk,
        Action<DbCommand, TRow[]> bind)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        bind(command, chunk);
        return command;
    }

    protected static string? Clip(string? message) => message is { Length: > 500 } ? message[..500] : message;

    protected static void Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    protected static async Task<List<TakenDelivery>> ReadTakenAsync(DbCommand command, List<TakenDelivery>? capped, CancellationToken cancellationToken)
    {
        var taken = new List<TakenDelivery>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = new TakenDelivery(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt64(2), reader.GetInt32(3));
            if (capped is not null && reader.GetInt32(4) == (int)DeliveryStatus.Skipped)
            {
                capped.Add(row);
            }
            else
            {
                taken.Add(row);
            }
        }
        taken.Sort((a, b) => a.Id.CompareTo(b.Id));
        return taken;
    }

    protected static async Task<IReadOnlySet<string>> ReadRecipientsAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(reader.GetString(0));
        }
        return result;
    }

    protected static async Task<IReadOnlyList<RecordedDelivery>> ReadRecordedAsync(DbCommand command, List<RecordedDelivery> into,
        CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            into.Add(new RecordedDelivery(reader.GetInt64(0), (DeliveryStatus)reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetInt32(2),
                (SkipReason)reader.GetInt32(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetInt64(5)));
        }
        return into;
    }
}
