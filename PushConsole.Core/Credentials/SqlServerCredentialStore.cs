using System.Data;
using System.Data.Common;
using System.Text.Json;
using Microsoft.Data.SqlClient;
using PushConsole.Persistence;

namespace PushConsole.Credentials;

/// <summary>
/// SQL Server: a whole batch travels as one JSON parameter (OPENJSON), so intake and claims are one statement each
/// whatever their size. Claims read with UPDLOCK, READPAST, ROWLOCK — SQL Server's SKIP LOCKED: a row another claimer
/// has picked is passed over instead of waited for, and the row this statement picked stays locked until it commits,
/// so no use is handed out twice. Instants are datetimeoffset, as the EF model stores them.
/// </summary>
internal sealed class SqlServerCredentialStore(string connectionString) : CredentialStore
{
    /// <summary>
    /// Inserts the rows not stored yet and returns them. UPDLOCK, HOLDLOCK on the existence check holds the key range
    /// until the insert commits, so two batches carrying the same id cannot both find it missing (the unique index
    /// would then fail the whole batch); the ROW_NUMBER keeps the first of a value repeated within the batch.
    /// </summary>
    private const string InsertSql = """
        DECLARE @stored TABLE ("Id" bigint, "AccountId" int, "OpenId" nvarchar(64), "Value" nvarchar(128), "ExpiresAt" datetimeoffset);
        INSERT INTO "Credentials" ("AccountId", "OpenId", "Kind", "Value", "UsesLeft", "Status", "ReceivedAt", "ExpiresAt")
        OUTPUT inserted."Id", inserted."AccountId", inserted."OpenId", inserted."Value", inserted."ExpiresAt" INTO @stored
        SELECT r.account, r.open_id, r.kind, r.value, r.uses, 1, r.received, r.expires
        FROM (SELECT j.*, ROW_NUMBER() OVER (PARTITION BY j.account, j.value ORDER BY j.ordinal) AS nth
              FROM OPENJSON(@rows) WITH (
                  ordinal int '$[0]', account int '$[1]', open_id nvarchar(64) '$[2]', kind int '$[3]',
                  value nvarchar(128) '$[4]', uses int '$[5]', received datetimeoffset '$[6]', expires datetimeoffset '$[7]') AS j) AS r
        WHERE r.nth = 1 AND NOT EXISTS (
            SELECT 1 FROM "Credentials" AS c WITH (UPDLOCK, HOLDLOCK)
            WHERE c."AccountId" = r.account AND c."Value" = r.value);
        INSERT INTO "AvailableCredentials" ("CredentialId", "AccountId", "OpenId", "TemplateId", "ExpiresAt")
        SELECT "Id", "AccountId", "OpenId", NULL, "ExpiresAt" FROM @stored;
        SELECT "AccountId", "Value" FROM @stored;
        """;

    public override async Task<bool[]> InsertFormIdsAsync(IReadOnlyList<NewFormId> rows, CancellationToken cancellationToken)
    {
        var index = new Dictionary<(int, string), int>(rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            index.TryAdd((rows[i].AccountId, rows[i].Value), i);
        }
        var inserted = new bool[rows.Count];
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqlTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var command = new SqlCommand(InsertSql, connection, transaction);
        command.Parameters.Add(new SqlParameter("@rows", SqlDbType.NVarChar, -1) { Value = RowsJson(rows) });
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            await TallyInsertedAsync(reader, rows, index, inserted, connection, transaction, cancellationToken);
        }
        // The reply comes after the commit.
        await transaction.CommitAsync(cancellationToken);
        return inserted;
    }

    private static string RowsJson(IReadOnlyList<NewFormId> rows)
    {
        using var buffer = new MemoryStream(rows.Count * 160);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            for (var i = 0; i < rows.Count; i++)
            {
                var row = rows[i];
                json.WriteStartArray();
                json.WriteNumberValue(i);
                json.WriteNumberValue(row.AccountId);
                json.WriteStringValue(row.OpenId);
                json.WriteNumberValue((int)row.Kind);
                json.WriteStringValue(row.Value);
                json.WriteNumberValue(row.Uses);
                // ISO 8601 with offset: OPENJSON converts it to datetimeoffset exactly.
                json.WriteStringValue(row.ReceivedAt.ToUniversalTime());
                json.WriteStringValue(row.ExpiresAt.ToUniversalTime());
                json.WriteEndArray();
            }
            json.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>
    /// For each openid the earliest-expiring pool row (the pool's claim index serves it) is picked under UPDLOCK, READPAST,
    /// ROWLOCK, one use is taken from each picked credential (no indexed column changes), and the credentials left
    /// without uses leave the pool. UPDATE TOP bounds the statement to one row per openid.
    /// </summary>
    internal static string ClaimSql(CredentialDemand demand) => $"""
        DECLARE @taken TABLE ("Id" bigint, "OpenId" nvarchar(64), "Kind" int, "Value" nvarchar(128), "TemplateId" int, "ExpiresAt" datetimeoffset, "UsesLeft" int);
        WITH picked AS (
            SELECT p."CredentialId"
            FROM OPENJSON(@openIds) WITH (open_id nvarchar(64) '$') AS w
            CROSS APPLY (
                SELECT TOP (1) a."CredentialId" FROM "AvailableCredentials" AS a WITH (UPDLOCK, READPAST, ROWLOCK)
                WHERE a."AccountId" = @account AND a."OpenId" = w.open_id AND {KindFilter(demand, "@", "a")}
                ORDER BY a."ExpiresAt", a."CredentialId") AS p)
        UPDATE TOP (@max) c
        SET "UsesLeft" = c."UsesLeft" - 1,
            "Status" = CASE WHEN c."UsesLeft" <= 1 THEN @used ELSE @available END,
            "ClosedAt" = CASE WHEN c."UsesLeft" <= 1 THEN @now ELSE NULL END
        OUTPUT inserted."Id", inserted."OpenId", inserted."Kind", inserted."Value", inserted."TemplateId", inserted."ExpiresAt", inserted."UsesLeft" INTO @taken
        FROM "Credentials" AS c WITH (UPDLOCK, ROWLOCK)
        INNER JOIN picked ON c."Id" = picked."CredentialId"
        WHERE c."Status" = @available AND c."UsesLeft" > 0;
        DELETE a FROM "AvailableCredentials" AS a INNER JOIN @taken AS t ON a."CredentialId" = t."Id" WHERE t."UsesLeft" = 0;
        SELECT "Id", "OpenId", "Kind", "Value", "TemplateId", "ExpiresAt", "UsesLeft" FROM @taken;
        """;

    private static readonly string ClaimTemplateMessageSql = ClaimSql(CredentialDemand.TemplateMessage);

    public override async Task<IReadOnlyList<CredentialClaim>> ClaimAsync(DbConnection connection, DbTransaction transaction,
        int accountId, IReadOnlyList<string> openIds, CredentialDemand demand, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // The picked rows stay update-locked until the caller's transaction ends, so no other claimer takes their use.
        await using var command = new SqlCommand(demand.IsGrant ? ClaimSql(demand) : ClaimTemplateMessageSql,
            (SqlConnection)connection, (SqlTransaction)transaction);
        command.Parameters.Add(new SqlParameter("@openIds", SqlDbType.NVarChar, -1) { Value = JsonSerializer.Serialize(openIds) });
        command.Parameters.Add(new SqlParameter("@account", SqlDbType.Int) { Value = accountId });
        command.Parameters.Add(new SqlParameter("@now", SqlDbType.DateTimeOffset) { Value = now });
        command.Parameters.Add(new SqlParameter("@max", SqlDbType.Int) { Value = openIds.Count });
        command.Parameters.Add(new SqlParameter("@available", SqlDbType.Int) { Value = (int)CredentialStatus.Available });
        command.Parameters.Add(new SqlParameter("@used", SqlDbType.Int) { Value = (int)CredentialStatus.Used });
        if (demand.TemplateId is { } templateId)
        {
            command.Parameters.Add(new SqlParameter("@template", SqlDbType.Int) { Value = templateId });
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

    /// <summary>
    /// A SNAPSHOT transaction: row versions, so the inventory neither blocks nor waits for intake and claims. The
    /// migrator turns ALLOW_SNAPSHOT_ISOLATION on (<see cref="SqlServerDatabase"/>).
    /// </summary>
    public override async Task<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(IsolationLevel.Snapshot, cancellationToken);

    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) => await OpenAsync(cancellationToken);

    public override object Instant(DateTimeOffset instant) => instant;

    /// <summary>Minutes since 0001-01-01 of the UTC instant, in quarters.</summary>
    public override string QuarterOf(string column) => Quarter(column);

    internal static string Quarter(string column) =>
        $"(DATEDIFF_BIG(minute, CAST('0001-01-01' AS datetime2), CAST(SWITCHOFFSET({column}, 0) AS datetime2)) / 15)";

    /// <summary>Concurrent claimers and intake writers each pick one of 8 rows per tally key, so they rarely wait on each other.</summary>
    internal static readonly TallyWriter Writer = new(UpsertStatement, 8);

    public override TallyWriter Tallies => Writer;

    private static string UpsertStatement(TallyTable table)
    {
        var columns = table.Columns.ToList();
        var output = table.Returning is { } r ? "OUTPUT " + string.Join(", ", r.Select(c => $"inserted.\"{c}\"")) : "";
        return $"""
            MERGE "{table.Name}" WITH (HOLDLOCK) AS t
            USING (SELECT * FROM OPENJSON(@rows) WITH ({string.Join(", ", columns.Select((c, i) => $"\"{c.Name}\" {TypeOf(c.Type)} '$[{i}]'"))})) AS s
            ON {string.Join(" AND ", table.Keys.Select(c => $"t.\"{c.Name}\" = s.\"{c.Name}\""))}
            WHEN MATCHED THEN UPDATE SET {string.Join(", ", table.Values.Select(c => $"\"{c.Name}\" = t.\"{c.Name}\" + s.\"{c.Name}\""))}
            WHEN NOT MATCHED THEN INSERT ({string.Join(", ", columns.Select(c => $"\"{c.Name}\""))})
                VALUES ({string.Join(", ", columns.Select(c => $"s.\"{c.Name}\""))})
            {output};
            """;
    }

    private static string TypeOf(TallyType type) => type switch
    {
        TallyType.Int => "int",
        TallyType.Long => "bigint",
        TallyType.Date => "date",
        _ => "nvarchar(64)",
    };

    public override DateTimeOffset ReadInstant(DbDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);

    public override string FirstRows(int count) => SqlServerDatabase.FirstRows(count);

    private async Task<SqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    [TransactSql]
    private static IEnumerable<string> Statements =>
        [InsertSql, ClaimTemplateMessageSql, ClaimSql(CredentialDemand.SubscribeGrant(1)), .. TallyWriter.TallyTables.Select(UpsertStatement)];
}
