using System.Data;
using System.Data.Common;
using Npgsql;
using NpgsqlTypes;

namespace PushConsole.Credentials;

/// <summary>
/// PostgreSQL: whole batches as arrays (unnest) in one statement; claims lock the chosen rows with
/// FOR UPDATE SKIP LOCKED so concurrent claimers take different credentials instead of queueing on one.
/// </summary>
internal sealed class PostgresCredentialStore(string connectionString) : CredentialStore
{
    private readonly NpgsqlDataSource dataSource = NpgsqlDataSource.Create(connectionString);

    /// <summary>The record and its pool row in one statement; a stored (app, value) inserts neither.</summary>
    private const string InsertSql = """
        WITH stored AS (
            INSERT INTO "Credentials" ("AccountId", "OpenId", "Kind", "Value", "UsesLeft", "Status", "ReceivedAt", "ExpiresAt")
            SELECT r.account, r.open_id, r.kind, r.value, r.uses, 1, r.received, r.expires
            FROM unnest(@account, @openId, @kind, @value, @uses, @received, @expires)
                 AS r(account, open_id, kind, value, uses, received, expires)
            ON CONFLICT DO NOTHING
            RETURNING "Id", "AccountId", "OpenId", "Value", "ExpiresAt"),
        pooled AS (
            INSERT INTO "AvailableCredentials" ("CredentialId", "AccountId", "OpenId", "TemplateId", "ExpiresAt")
            SELECT "Id", "AccountId", "OpenId", NULL, "ExpiresAt" FROM stored)
        SELECT "AccountId", "Value" FROM stored
        """;

    public override async Task<bool[]> InsertFormIdsAsync(IReadOnlyList<NewFormId> rows, CancellationToken cancellationToken)
    {
        var index = new Dictionary<(int, string), int>(rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            // Callers pass each (app, value) once per batch; a repeat would be a duplicate anyway.
            index.TryAdd((rows[i].AccountId, rows[i].Value), i);
        }
        var inserted = new bool[rows.Count];
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(InsertSql, connection);
        command.Parameters.Add(new NpgsqlParameter<int[]>("account", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = rows.Select(r => r.AccountId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string[]>("openId", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = rows.Select(r => r.OpenId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<int[]>("kind", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = rows.Select(r => (int)r.Kind).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string[]>("value", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = rows.Select(r => r.Value).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<int[]>("uses", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = rows.Select(r => r.Uses).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<DateTime[]>("received", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { TypedValue = rows.Select(r => r.ReceivedAt.UtcDateTime).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<DateTime[]>("expires", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { TypedValue = rows.Select(r => r.ExpiresAt.UtcDateTime).ToArray() });
        // Prepared once per physical connection (Npgsql keeps it across pool rentals): the batch statement is then
        // bound and executed without being parsed and planned again each time.
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        command.Transaction = transaction;
        await command.PrepareAsync(cancellationToken);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            await TallyInsertedAsync(reader, rows, index, inserted, connection, transaction, cancellationToken);
        }
        // The reply comes after the commit.
        await transaction.CommitAsync(cancellationToken);
        return inserted;
    }

    public override async Task<IReadOnlyList<CredentialClaim>> ClaimAsync(DbConnection connection, DbTransaction transaction,
        int accountId, IReadOnlyList<string> openIds, CredentialDemand demand, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // The pool row is locked (SKIP LOCKED: another claimer's pick is passed over, not waited for), one use is taken
        // from the record (no indexed column changes: a HOT update), and a credential left without uses leaves the pool.
        var sql = $"""
            WITH picked AS (
                SELECT p."CredentialId"
                FROM unnest(@openIds) AS w(open_id)
                CROSS JOIN LATERAL (
                    SELECT a."CredentialId" FROM "AvailableCredentials" AS a
                    WHERE a."AccountId" = @account AND a."OpenId" = w.open_id AND {KindFilter(demand, "@", "a")}
                    ORDER BY a."ExpiresAt", a."CredentialId"
                    LIMIT 1
                    FOR UPDATE SKIP LOCKED) AS p),
            taken AS (
                UPDATE "Credentials" AS c
                SET "UsesLeft" = c."UsesLeft" - 1,
                    "Status" = CASE WHEN c."UsesLeft" <= 1 THEN @used ELSE @available END,
                    "ClosedAt" = CASE WHEN c."UsesLeft" <= 1 THEN @now ELSE NULL END
                FROM picked
                WHERE c."Id" = picked."CredentialId" AND c."Status" = @available AND c."UsesLeft" > 0
                RETURNING c."Id", c."OpenId", c."Kind", c."Value", c."TemplateId", c."ExpiresAt", c."UsesLeft"),
            spent AS (
                DELETE FROM "AvailableCredentials" AS a USING taken
                WHERE a."CredentialId" = taken."Id" AND taken."UsesLeft" = 0)
            SELECT * FROM taken
            """;
        // The picked pool rows stay locked until the caller's transaction ends, so no other claimer takes their use.
        await using var command = new NpgsqlCommand(sql, (NpgsqlConnection)connection, (NpgsqlTransaction)transaction);
        command.Parameters.Add(new NpgsqlParameter<string[]>("openIds", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = openIds as string[] ?? openIds.ToArray() });
        command.Parameters.Add(new NpgsqlParameter<int>("account", NpgsqlDbType.Integer) { TypedValue = accountId });
        command.Parameters.Add(new NpgsqlParameter<DateTime>("now", NpgsqlDbType.TimestampTz) { TypedValue = now.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter<int>("available", NpgsqlDbType.Integer) { TypedValue = (int)CredentialStatus.Available });
        command.Parameters.Add(new NpgsqlParameter<int>("used", NpgsqlDbType.Integer) { TypedValue = (int)CredentialStatus.Used });
        if (demand.TemplateId is { } templateId)
        {
            command.Parameters.Add(new NpgsqlParameter<int>("template", NpgsqlDbType.Integer) { TypedValue = templateId });
        }
        List<CredentialClaim> claims;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            claims = await ReadClaimsAsync(reader, accountId, openIds.Count, cancellationToken);
        }
        var tally = new TallyDelta();
        claims.ForEach(tally.Claimed);
        await ApplyTalliesAsync(connection, transaction, tally, cancellationToken);
        return claims;
    }

    public override async Task<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);

    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) =>
        await dataSource.OpenConnectionAsync(cancellationToken);

    public override object Instant(DateTimeOffset instant) => instant.UtcDateTime;

    /// <summary>Seconds since 1970 in quarters, moved to count from 0001-01-01 like <see cref="Quarters"/>.</summary>
    public override string QuarterOf(string column) =>
        $"(floor(extract(epoch from {column}) / 900)::bigint + {DateTimeOffset.UnixEpoch.UtcTicks / Quarters.Ticks})";

    /// <summary>Concurrent claimers and intake writers each pick one of 8 rows per tally key, so they rarely wait on each other.</summary>
    internal static readonly TallyWriter Writer = new(UpsertSql, 8);

    public override TallyWriter Tallies => Writer;

    private static string UpsertSql(TallyTable table)
    {
        var columns = table.Columns.ToList();
        var returning = table.Returning is { } r ? "RETURNING " + string.Join(", ", r.Select(c => $"t.\"{c}\"")) : "";
        return $"""
            INSERT INTO "{table.Name}" AS t ({string.Join(", ", columns.Select(c => $"\"{c.Name}\""))})
            SELECT {string.Join(", ", columns.Select((c, i) => $"(j.v ->> {i})::{TypeOf(c.Type)}"))} FROM json_array_elements(@rows::json) AS j(v)
            ON CONFLICT ({string.Join(", ", table.Keys.Select(c => $"\"{c.Name}\""))}) DO UPDATE SET
                {string.Join(", ", table.Values.Select(c => $"\"{c.Name}\" = t.\"{c.Name}\" + EXCLUDED.\"{c.Name}\""))}
            {returning}
            """;
    }

    private static string TypeOf(TallyType type) => type switch
    {
        TallyType.Int => "integer",
        TallyType.Long => "bigint",
        TallyType.Date => "date",
        _ => "text",
    };

    public override DateTimeOffset ReadInstant(DbDataReader reader, int ordinal) => new(reader.GetFieldValue<DateTime>(ordinal), TimeSpan.Zero);

    public override ValueTask DisposeAsync() => dataSource.DisposeAsync();
}
