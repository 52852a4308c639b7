using System.Data.Common;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace PushConsole.Credentials;

/// <summary>
/// SQLite: one writer at a time, so each transaction starts with BEGIN IMMEDIATE (take the write lock first, no
/// read-to-write upgrade that could fail with SQLITE_BUSY). Instants are UTC ticks, as the EF model stores them.
/// </summary>
internal sealed class SqliteCredentialStore(string connectionString) : CredentialStore
{
    private const string InsertSql = """
        INSERT INTO "Credentials" ("AccountId", "OpenId", "Kind", "Value", "TemplateId", "UsesLeft", "Status", "ReceivedAt", "ExpiresAt", "ClosedAt")
        VALUES ($account, $openId, $kind, $value, NULL, $uses, 1, $received, $expires, NULL)
        ON CONFLICT DO NOTHING
        """;

    public override async Task<bool[]> InsertFormIdsAsync(IReadOnlyList<NewFormId> rows, CancellationToken cancellationToken)
    {
        var inserted = new bool[rows.Count];
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = InsertSql;
        var account = command.Parameters.Add("$account", SqliteType.Integer);
        var openId = command.Parameters.Add("$openId", SqliteType.Text);
        var kind = command.Parameters.Add("$kind", SqliteType.Integer);
        var value = command.Parameters.Add("$value", SqliteType.Text);
        var uses = command.Parameters.Add("$uses", SqliteType.Integer);
        var received = command.Parameters.Add("$received", SqliteType.Integer);
        var expires = command.Parameters.Add("$expires", SqliteType.Integer);
        command.Prepare();
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
        }
        await transaction.CommitAsync(cancellationToken);
        return inserted;
    }

    public override async Task<IReadOnlyList<CredentialClaim>> ClaimAsync(
        int accountId, IReadOnlyList<string> openIds, CredentialDemand demand, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // One statement: for each openid a correlated subquery picks the earliest-expiring usable row (the claim
        // index serves it), and the UPDATE takes a use from each. The write lock makes it atomic.
        var sql = $"""
            UPDATE "Credentials"
            SET "UsesLeft" = "UsesLeft" - 1,
                "Status" = CASE WHEN "UsesLeft" <= 1 THEN {Used} ELSE {Available} END,
                "ClosedAt" = CASE WHEN "UsesLeft" <= 1 THEN $now ELSE NULL END
            WHERE "Status" = {Available} AND "UsesLeft" > 0 AND "Id" IN (
                SELECT (SELECT c."Id" FROM "Credentials" AS c
                        WHERE c."AccountId" = $account AND c."OpenId" = u.value AND c."Status" = {Available}
                          AND {KindFilter(demand, "$")}
                        ORDER BY c."ExpiresAt", c."Id" LIMIT 1)
                FROM json_each($openIds) AS u)
            RETURNING "Id", "OpenId", "Kind", "Value", "TemplateId", "ExpiresAt", "UsesLeft"
            """;
        var claims = new List<CredentialClaim>(openIds.Count);
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.Parameters.AddWithValue("$account", accountId);
        command.Parameters.AddWithValue("$now", now.UtcTicks);
        command.Parameters.AddWithValue("$openIds", JsonSerializer.Serialize(openIds));
        if (demand.TemplateId is { } templateId)
        {
            command.Parameters.AddWithValue("$template", templateId);
        }
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                claims.Add(new CredentialClaim(
                    reader.GetInt64(0), accountId, reader.GetString(1), (CredentialKind)reader.GetInt32(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetInt32(4),
                    reader.IsDBNull(5) ? null : new DateTimeOffset(reader.GetInt64(5), TimeSpan.Zero),
                    reader.GetInt32(6)));
            }
        }
        await transaction.CommitAsync(cancellationToken);
        return claims;
    }

    public override async Task<(DbConnection Connection, DbTransaction Snapshot)> OpenSnapshotAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken);
        // Deferred: a read transaction (a WAL snapshot) that never takes the write lock.
        return (connection, connection.BeginTransaction(deferred: true));
    }

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

    public override DateTimeOffset ReadInstant(DbDataReader reader, int ordinal) => new(reader.GetInt64(ordinal), TimeSpan.Zero);
}
