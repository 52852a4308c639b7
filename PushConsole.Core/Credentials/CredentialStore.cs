using System.Data.Common;
using PushConsole.Persistence;

namespace PushConsole.Credentials;

/// <summary>A formId or prepay_id ready to insert: validated, with its expiry and uses decided.</summary>
internal readonly record struct NewFormId(
    int AccountId, string OpenId, CredentialKind Kind, string Value, int Uses, DateTimeOffset ReceivedAt, DateTimeOffset ExpiresAt);

/// <summary>
/// The statements of the pool whose speed and atomicity depend on the database, written per provider:
/// the group-commit insert and the claim. Everything else goes through EF Core.
/// </summary>
internal abstract class CredentialStore : IAsyncDisposable
{
    /// <summary>Inserts in one transaction; an element is false when (app, value) was already stored.</summary>
    public abstract Task<bool[]> InsertFormIdsAsync(IReadOnlyList<NewFormId> rows, CancellationToken cancellationToken);

    /// <summary>
    /// Takes one use from each user's earliest-expiring usable credential for the demand, in one statement, in a
    /// transaction of its own on a connection of its own.
    /// </summary>
    /// <param name="openIds">Distinct openids.</param>
    public async Task<IReadOnlyList<CredentialClaim>> ClaimAsync(
        int accountId, IReadOnlyList<string> openIds, CredentialDemand demand, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        // SQLite: BEGIN IMMEDIATE (Microsoft.Data.Sqlite's default), the write lock first.
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var claims = await ClaimAsync(connection, transaction, accountId, openIds, demand, now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return claims;
    }

    /// <summary>
    /// The claim on the caller's connection, inside its open write transaction, tallies included: the send engine
    /// claims and takes a batch in one commit (<c>DeliveryLedger.TakeForSendingAsync</c>), and a rollback of that
    /// transaction undoes the claim. What keeps a credential from being handed out twice is the transaction's: the
    /// rows the claim locks (PostgreSQL, SQL Server) until it ends, or SQLite's one writer.
    /// </summary>
    /// <param name="openIds">Distinct openids.</param>
    public abstract Task<IReadOnlyList<CredentialClaim>> ClaimAsync(DbConnection connection, DbTransaction transaction,
        int accountId, IReadOnlyList<string> openIds, CredentialDemand demand, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>An open connection inside a read-only snapshot transaction, so several figures agree with each other.</summary>
    public async Task<(DbConnection Connection, DbTransaction Snapshot)> OpenSnapshotAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenConnectionAsync(cancellationToken);
        try
        {
            return (connection, await BeginSnapshotAsync(connection, cancellationToken));
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A read-only snapshot transaction on a connection already open: on a DbContext's own connection, for LINQ reads
    /// that must agree with each other (a pooled context must not be handed a connection of its own).
    /// </summary>
    public abstract Task<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>A new open connection of this store's database, as its own statements want it.</summary>
    protected abstract Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    /// <summary>An instant as this database stores it (UTC ticks on SQLite, timestamptz on PostgreSQL, datetimeoffset on SQL Server).</summary>
    public abstract object Instant(DateTimeOffset instant);

    public abstract DateTimeOffset ReadInstant(DbDataReader reader, int ordinal);

    /// <summary>Keeps the first <paramref name="count"/> rows of an ordered query (LIMIT; SQL Server has no LIMIT).</summary>
    public virtual string FirstRows(int count) => $"LIMIT {count}";

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Reads the rows a claim returned: Id, OpenId, Kind, Value, TemplateId, ExpiresAt, UsesLeft.</summary>
    protected async Task<List<CredentialClaim>> ReadClaimsAsync(DbDataReader reader, int accountId, int expected, CancellationToken cancellationToken)
    {
        var claims = new List<CredentialClaim>(expected);
        while (await reader.ReadAsync(cancellationToken))
        {
            claims.Add(new CredentialClaim(
                reader.GetInt64(0), accountId, reader.GetString(1), (CredentialKind)reader.GetInt32(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetInt32(4),
                reader.IsDBNull(5) ? null : ReadInstant(reader, 5),
                reader.GetInt32(6)));
        }
        return claims;
    }

    /// <summary>
    /// Which of the user's pool rows (alias <paramref name="alias"/>) a demand may take. formIds and prepay_ids always
    /// expire, so their filter is a plain range on the claim index's last key; grants (no expiry today) keep the NULL case.
    /// </summary>
    protected static string KindFilter(CredentialDemand demand, string parameterPrefix, string alias) => demand.IsGrant
        ? $"{alias}.\"TemplateId\" = {parameterPrefix}template AND ({alias}.\"ExpiresAt\" IS NULL OR {alias}.\"ExpiresAt\" > {parameterPrefix}now)"
        : $"{alias}.\"TemplateId\" IS NULL AND {alias}.\"ExpiresAt\" > {parameterPrefix}now";

    /// <summary>
    /// Reads the (AccountId, Value) rows an intake insert returned, marks them inserted and writes their tallies in the
    /// insert's transaction.
    /// </summary>
    protected async Task TallyInsertedAsync(DbDataReader reader, IReadOnlyList<NewFormId> rows, Dictionary<(int, string), int> index, bool[] inserted,
        DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var tally = new TallyDelta();
        while (await reader.ReadAsync(cancellationToken))
        {
            if (index.TryGetValue((reader.GetInt32(0), reader.GetString(1)), out var i))
            {
                inserted[i] = true;
                var row = rows[i];
                tally.Inserted(row.AccountId, row.OpenId, row.Kind, null, row.Uses, row.ReceivedAt, row.ExpiresAt);
            }
        }
        await reader.DisposeAsync();
        await ApplyTalliesAsync(connection, transaction, tally, cancellationToken);
    }

    /// <summary>Writes tally changes in this database's SQL.</summary>
    public abstract TallyWriter Tallies { get; }

    /// <summary>Writes a transaction's change to the tallies, inside that transaction (before its commit).</summary>
    public Task ApplyTalliesAsync(DbConnection connection, DbTransaction? transaction, TallyDelta delta, CancellationToken cancellationToken) =>
        Tallies.ApplyAsync(connection, transaction, delta, cancellationToken);

    /// <summary>The quarter-hour (<see cref="Quarters"/>) of a stored instant column, in this database's SQL.</summary>
    public abstract string QuarterOf(string column);

}

