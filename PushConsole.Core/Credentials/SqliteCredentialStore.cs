using System.Data.Common;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace PushConsole.Credentials;

/// <summary>
/// SQLite: one writer at a time, so each transaction starts with BEGIN IMMEDIATE (take the write lock first, no
/// read-to-write upgrade that could fail with SQLITE_BUSY). Instants are UTC ticks, as the EF model stores them.
/// </summary>
internal sealed class SqliteCredentialStore(string connectionString, ILogger logger) : CredentialStore
{
    private readonly SqliteWalCheckpointer checkpointer = new(connectionString, logger);

    private const string InsertSql = """
        INSERT INTO "Credentials" ("AccountId", "OpenId", "Kind", "Value", "TemplateId", "UsesLeft", "Status", "ReceivedAt", "ExpiresAt", "ClosedAt")
        VALUES ($account, $openId, $kind, $value, NULL, $uses, 1, $received, $expires, NULL)
        ON CONFLICT DO NOTHING
        """;

    /// <summary>
    /// The pool rows of the credentials a group commit stored, in one statement after its inserts: they are the rows
    /// above the highest id before the transaction (ids only grow, and the write lock keeps other writers out).
    /// </summary>
    private const string PoolSql = """
        INSERT INTO "AvailableCredentials" ("CredentialId", "AccountId", "OpenId", "TemplateId", "ExpiresAt")
        SELECT "Id", "AccountId", "OpenId", NULL, "ExpiresAt" FROM "Credentials" WHERE "Id" > $before
        """;

    private const string HighestIdSql = """SELECT COALESCE(MAX("Id"), 0) FROM "Credentials" """;

    /// <summary>
    /// The intake's connection between two group commits. Keeping it open keeps its page cache warm (a pooled
    /// connection handed out in turn finds the file changed by the previous one and drops its whole cache) and keeps
    /// the insert statement prepared. Taken with an exchange, so concurrent writers (if configured) open their own.
    /// </summary>
    private IntakeWriter? idleWriter;

    public override async Task<bool[]> InsertFormIdsAsync(IReadOnlyList<NewFormId> rows, CancellationToken cancellationToken)
    {
        var writer = Interlocked.Exchange(ref idleWriter, null) ?? new IntakeWriter(this, await OpenIntakeAsync(cancellationToken));
        bool[] inserted;
        try
        {
            inserted = await writer.InsertAsync(rows, cancellationToken);
        }
        catch
        {
            // The connection's state is unknown after a failure: the next batch opens a fresh one.
            writer.Dispose();
            throw;
        }
        checkpointer.Committed();
        if (Interlocked.CompareExchange(ref idleWriter, writer, null) is not null)
        {
            writer.Dispose();
        }
        return inserted;
    }

    /// <summary>The intake's connection leaves checkpoints to <see cref="SqliteWalCheckpointer"/> unless it falls far behind.</summary>
    private async Task<SqliteConnection> OpenIntakeAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = $"PRAGMA wal_autocheckpoint = {SqliteWalCheckpointer.WriterBackstopPages}";
        await pragma.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    private sealed class IntakeWriter : IDisposable
    {
        private readonly SqliteCredentialStore store;
        private readonly SqliteConnection connection;
        private readonly SqliteCommand command, pool, highestId;
        private readonly SqliteParameter account, openId, kind, value, uses, received, expires, before;

        public IntakeWriter(SqliteCredentialStore store, SqliteConnection connection)
        {
            this.store = store;
            this.connection = connection;
            command = connection.CreateCommand();
            command.CommandText = InsertSql;
            account = command.Parameters.Add("$account", SqliteType.Integer);
            openId = command.Parameters.Add("$openId", SqliteType.Text);
            kind = command.Parameters.Add("$kind", SqliteType.Integer);
            value = command.Parameters.Add("$value", SqliteType.Text);
            uses = command.Parameters.Add("$uses", SqliteType.Integer);
            received = command.Parameters.Add("$received", SqliteType.Integer);
            expires = command.Parameters.Add("$expires", SqliteType.Integer);
            command.Prepare();
            pool = connection.CreateCommand();
            pool.CommandText = PoolSql;
            before = pool.Parameters.Add("$before", SqliteType.Integer);
            pool.Prepare();
            highestId = connection.CreateCommand();
            highestId.CommandText = HighestIdSql;
            highestId.Prepare();
        }

        /// <summary>One transaction (BEGIN IMMEDIATE); returns after the commit.</summary>
        public async Task<bool[]> InsertAsync(IReadOnlyList<NewFormId> rows, CancellationToken cancellationToken)
        {
            var inserted = new bool[rows.Count];
            var tally = new TallyDelta();
            using var transaction = connection.BeginTransaction(deferred: false);
            command.Transaction = transaction;
            pool.Transaction = transaction;
            highestId.Transaction = transaction;
            before.Value = (long)highestId.ExecuteScalar()!;
            var stored = 0;
            for (var i = 0; i < rows.Count; i++)
            {
                var row = rows[i];
                account.Value = row.AccountId;
                openId.Value = row.OpenId;
                kind.Value = (int)row.Kind;
                value.Value = row.Value;
                uses.Value = row.Uses;
                received.Value = row.ReceivedAt.UtcTicks;
                expires.Value = row.ExpiresAt.UtcTicks;
                // ON CONFLICT DO NOTHING: 0 rows changed means the id was already stored for this app.
                inserted[i] = command.ExecuteNonQuery() == 1;
                if (inserted[i])
                {
                    stored++;
                    tally.Inserted(row.AccountId, row.OpenId, row.Kind, null, row.Uses, row.ReceivedAt, row.ExpiresAt);
                }
            }
            if (stored > 0)
            {
                pool.ExecuteNonQuery();
            }
            await store.ApplyTalliesAsync(connection, transaction, tally, cancellationToken);
            transaction.Commit();
            command.Transaction = null;
            pool.Transaction = null;
            highestId.Transaction = null;
            return inserted;
        }

        public void Dispose()
        {
            command.Dispose();
            pool.Dispose();
            highestId.Dispose();
            connection.Dispose();
        }
    }

    public override async Task<IReadOnlyList<CredentialClaim>> ClaimAsync(DbConnection connection, DbTransaction transaction,
        int accountId, IReadOnlyList<string> openIds, CredentialDemand demand, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // For each openid a correlated subquery picks the earliest-expiring pool row (the pool's claim index serves it),
        // and the UPDATE takes a use from each record, changing no indexed column; then the credentials left without uses
        // leave the pool. The write lock (the caller's transaction) makes the two statements one step.
        var sql = $"""
            UPDATE "Credentials"
            SET "UsesLeft" = "UsesLeft" - 1,
                "Status" = CASE WHEN "UsesLeft" <= 1 THEN $used ELSE $available END,
                "ClosedAt" = CASE WHEN "UsesLeft" <= 1 THEN $now ELSE NULL END
            WHERE "Status" = $available AND "UsesLeft" > 0 AND "Id" IN (
                SELECT (SELECT a."CredentialId" FROM "AvailableCredentials" AS a
                        WHERE a."AccountId" = $account AND a."OpenId" = u.value AND {KindFilter(demand, "$", "a")}
                        ORDER BY a."ExpiresAt", a."CredentialId" LIMIT 1)
                FROM json_each($openIds) AS u)
            RETURNING "Id", "OpenId", "Kind", "Value", "TemplateId", "ExpiresAt", "UsesLeft"
            """;
        // The store's own connection or a DbContext's: Microsoft.Data.Sqlite's either way.
        await using var command = (SqliteCommand)connection.CreateCommand();
        command.Transaction = (SqliteTransaction)transaction;
        command.CommandText = sql;
        command.Parameters.AddWithValue("$account", accountId);
        command.Parameters.AddWithValue("$now", now.UtcTicks);
        command.Parameters.AddWithValue("$openIds", JsonSerializer.Serialize(openIds));
        command.Parameters.AddWithValue("$available", (int)CredentialStatus.Available);
        command.Parameters.AddWithValue("$used", (int)CredentialStatus.Used);
        if (demand.TemplateId is { } templateId)
        {
            command.Parameters.AddWithValue("$template", templateId);
        }
        List<CredentialClaim> claims;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            claims = await ReadClaimsAsync(reader, accountId, openIds.Count, cancellationToken);
        }
        var spent = claims.Where(c => c.UsesLeft == 0).Select(c => c.CredentialId).ToList();
        if (spent.Count > 0)
        {
            await using var leave = (SqliteCommand)connection.CreateCommand();
            leave.Transaction = (SqliteTransaction)transaction;
            leave.CommandText = """DELETE FROM "AvailableCredentials" WHERE "CredentialId" IN (SELECT value FROM json_each($ids))""";
            leave.Parameters.AddWithValue("$ids", JsonSerializer.Serialize(spent));
            await leave.ExecuteNonQueryAsync(cancellationToken);
        }
        var tally = new TallyDelta();
        claims.ForEach(tally.Claimed);
        await ApplyTalliesAsync(connection, transaction, tally, cancellationToken);
        return claims;
    }

    // Deferred: a read transaction (a WAL snapshot) that never takes the write lock.
    public override Task<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken cancellationToken) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: true));

    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) => await OpenAsync(cancellationToken);

    /// <summary>
    /// A pooled connection with a 64 MB page cache: the unique and claim indexes take random keys, and SQLite's
    /// default 2 MB cache makes every insert read pages back from the OS (measured: about a fifth of the insert cost).
    /// </summary>
    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA cache_size = -65536";
        await pragma.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    public override object Instant(DateTimeOffset instant) => instant.UtcTicks;

    /// <summary>Instants are UTC ticks since 0001-01-01, so the quarter is a division.</summary>
    public override string QuarterOf(string column) => $"({column} / {Quarters.Ticks})";

    /// <summary>One writer at a time: no stripes.</summary>
    internal static readonly TallyWriter Writer = new(UpsertSql, 1);

    public override TallyWriter Tallies => Writer;

    private static string UpsertSql(TallyTable table)
    {
        var columns = table.Columns.ToList();
        var returning = table.Returning is { } r ? "RETURNING " + string.Join(", ", r.Select(c => $"\"{c}\"")) : "";
        // WHERE true: SQLite needs it to tell the SELECT's end from the ON CONFLICT clause.
        return $"""
            INSERT INTO "{table.Name}" ({string.Join(", ", columns.Select(c => $"\"{c.Name}\""))})
            SELECT {string.Join(", ", columns.Select((c, i) => $"j.value ->> {i}"))} FROM json_each(@rows) AS j WHERE true
            ON CONFLICT ({string.Join(", ", table.Keys.Select(c => $"\"{c.Name}\""))}) DO UPDATE SET
                {string.Join(", ", table.Values.Select(c => $"\"{c.Name}\" = \"{table.Name}\".\"{c.Name}\" + excluded.\"{c.Name}\""))}
            {returning}
            """;
    }

    public override async ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref idleWriter, null)?.Dispose();
        await checkpointer.DisposeAsync();
    }

    public override DateTimeOffset ReadInstant(DbDataReader reader, int ordinal) => new(reader.GetInt64(ordinal), TimeSpan.Zero);
}
