using System.Data.Common;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using PushConsole.Persistence;

namespace PushConsole.Credentials;

/// <summary>
/// Writes the credential tallies (<see cref="CredentialTally"/>, <see cref="CredentialHolder"/>, <see cref="HolderSpread"/>,
/// <see cref="CredentialQuarter"/>) in one database's SQL. Every write to the credential rows calls it in its own
/// transaction, so the tallies always equal a count of the committed rows.
/// </summary>
/// <param name="upsertSql">
/// The upsert of one tally table: adds each JSON row's values (<c>@rows</c>, an array of arrays: keys then values in
/// <see cref="TallyTable"/> order) to the stored row of its key, inserting it when missing; returns
/// <see cref="TallyTable.Returning"/> when the table has it.
/// </param>
/// <param name="stripes">How many rows of a tally key concurrent writers spread over (1 where writes are serialized anyway).</param>
internal sealed class TallyWriter(Func<TallyTable, string> upsertSql, int stripes)
{
    /// <summary>The writer of the database behind a DbContext.</summary>
    public static TallyWriter For(PushConsoleDbContext db) => db.Database.ProviderName switch
    {
        "Microsoft.EntityFrameworkCore.Sqlite" => SqliteCredentialStore.Writer,
        "Npgsql.EntityFrameworkCore.PostgreSQL" => PostgresCredentialStore.Writer,
        "Microsoft.EntityFrameworkCore.SqlServer" => SqlServerCredentialStore.Writer,
        var other => throw new InvalidOperationException($"No credential tallies for the provider {other}."),
    };

    /// <summary>
    /// Changes credential rows through EF with the tallies kept in step: the rows matching <paramref name="filter"/> (the
    /// first <paramref name="take"/> by id) are locked, read, changed by <paramref name="change"/> (given those rows, still
    /// filtered), read again, and the difference is written to the tallies, all in one transaction (the context's current
    /// one if it has one, which the caller then commits). Returns what <paramref name="change"/> returned.
    /// </summary>
    public static async Task<int> ChangeAsync(PushConsoleDbContext db, System.Linq.Expressions.Expression<Func<Credential, bool>> filter,
        Func<IQueryable<Credential>, Task<int>> change, CancellationToken cancellationToken, int? take = null)
    {
        var own = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
        try
        {
            var target = db.Credentials.Where(filter).OrderBy(c => c.Id).Select(c => c.Id);
            var ids = await (take is { } n ? target.Take(n) : target).ToListAsync(cancellationToken);
            if (ids.Count == 0)
            {
                return 0;
            }
            var rows = db.Credentials.Where(c => ids.Contains(c.Id));
            // No-op updates lock the rows (PostgreSQL, SQL Server; SQLite holds the write lock already), so what is
            // read next is what the change starts from. The available rows first, in the order a claim locks them
            // (available row, then credential), so a claim and a change never wait on each other in a circle.
            await db.AvailableCredentials.Where(a => ids.Contains(a.CredentialId))
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.CredentialId, a => a.CredentialId), cancellationToken);
            await rows.ExecuteUpdateAsync(s => s.SetProperty(c => c.UsesLeft, c => c.UsesLeft), cancellationToken);
            var before = await StatesOf(rows).ToListAsync(cancellationToken);
            var changed = await change(rows.Where(filter));
            var after = await StatesOf(rows).ToListAsync(cancellationToken);
            await SyncAvailableAsync(db, ids, after, cancellationToken);
            var delta = new TallyDelta();
            delta.Changed(before, after);
            await For(db).ApplyAsync(db.Database.GetDbConnection(), db.Database.CurrentTransaction!.GetDbTransaction(), delta, cancellationToken);
            if (own is not null)
            {
                await own.CommitAsync(cancellationToken);
            }
            return changed;
        }
        finally
        {
            if (own is not null)
            {
                await own.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Makes the available rows of <paramref name="ids"/> follow their credentials' state after a change: a credential
    /// open with a use left is in the pool, any other (or a deleted one) is not.
    /// </summary>
    private static async Task SyncAvailableAsync(PushConsoleDbContext db, List<long> ids, List<CredentialState> after, CancellationToken cancellationToken)
    {
        var usable = after.Where(IsUsable).ToList();
        var usableIds = usable.Select(c => c.Id).ToList();
        await db.AvailableCredentials.Where(a => ids.Contains(a.CredentialId) && !usableIds.Contains(a.CredentialId)).ExecuteDeleteAsync(cancellationToken);
        if (usable.Count == 0)
        {
            return;
        }
        var present = await db.AvailableCredentials.Where(a => usableIds.Contains(a.CredentialId)).Select(a => a.CredentialId).ToListAsync(cancellationToken);
        var missing = usable.Where(c => !present.Contains(c.Id)).Select(AvailableOf).ToList();
        if (missing.Count > 0)
        {
            await AddAvailableAsync(db, missing, cancellationToken);
        }
    }

    /// <summary>A credential in this state belongs in the pool.</summary>
    internal static bool IsUsable(CredentialState c) => c.Status == CredentialStatus.Available && c.UsesLeft > 0;

    private static AvailableCredential AvailableOf(CredentialState c) =>
        new() { CredentialId = c.Id, AccountId = c.AccountId, OpenId = c.OpenId, TemplateId = c.TemplateId, ExpiresAt = c.ExpiresAt };

    /// <summary>Adds pool rows and stops tracking them, so the caller's change tracker is left as it was.</summary>
    private static async Task AddAvailableAsync(PushConsoleDbContext db, List<AvailableCredential> rows, CancellationToken cancellationToken)
    {
        db.AvailableCredentials.AddRange(rows);
        await db.SaveChangesAsync(cancellationToken);
        foreach (var row in rows)
        {
            db.Entry(row).State = EntityState.Detached;
        }
    }

    /// <summary>Puts credentials just added through EF (grants) in the pool, in the current transaction.</summary>
    public static Task AddedToPoolAsync(PushConsoleDbContext db, IEnumerable<Credential> added, CancellationToken cancellationToken) =>
        AddAvailableAsync(db, added.Select(c => new AvailableCredential
        {
            CredentialId = c.Id, AccountId = c.AccountId, OpenId = c.OpenId, TemplateId = c.TemplateId, ExpiresAt = c.ExpiresAt,
        }).ToList(), cancellationToken);

    /// <summary>Writes the tallies of rows just added through EF (<see cref="DbContext.SaveChangesAsync(CancellationToken)"/>) in the current transaction.</summary>
    public static Task AddedAsync(PushConsoleDbContext db, IEnumerable<Credential> added, CancellationToken cancellationToken)
    {
        var delta = new TallyDelta();
        foreach (var c in added)
        {
            delta.Inserted(c.AccountId, c.OpenId, c.Kind, c.TemplateId, c.UsesLeft, c.ReceivedAt, c.ExpiresAt);
        }
        return For(db).ApplyAsync(db.Database.GetDbConnection(), db.Database.CurrentTransaction?.GetDbTransaction(), delta, cancellationToken);
    }

    /// <summary>Marks a user who just logged in for the first time as known, in the transaction that added their login row.</summary>
    public static Task KnownAsync(PushConsoleDbContext db, int accountId, string openId, CancellationToken cancellationToken)
    {
        var delta = new TallyDelta();
        delta.AddHolder(accountId, openId, 0, 1);
        return For(db).ApplyAsync(db.Database.GetDbConnection(), db.Database.CurrentTransaction?.GetDbTransaction(), delta, cancellationToken);
    }

    private static IQueryable<CredentialState> StatesOf(IQueryable<Credential> rows) => rows.Select(c =>
        new CredentialState(c.Id, c.AccountId, c.OpenId, c.Kind, c.TemplateId, c.UsesLeft, c.Status, c.ReceivedAt, c.ExpiresAt, c.ClosedAt));


    internal static readonly TallyTable PoolTally = new("CredentialTallies",
        [new("AccountId", TallyType.Int), new("Kind", TallyType.Int), new("TemplateId", TallyType.Int), new("ExpiryQuarter", TallyType.Long), new("Stripe", TallyType.Int)],
        [new("Credentials", TallyType.Long), new("Uses", TallyType.Long)]);

    internal static readonly TallyTable HolderTally = new("CredentialHolders",
        [new("AccountId", TallyType.Int), new("OpenId", TallyType.Text)], [new("Credentials", TallyType.Int), new("Known", TallyType.Int)],
        ["AccountId", "OpenId", "Credentials", "Known"]);

    internal static readonly TallyTable SpreadTally = new("HolderSpreads",
        [new("AccountId", TallyType.Int), new("Held", TallyType.Int), new("Known", TallyType.Int), new("Stripe", TallyType.Int)],
        [new("Users", TallyType.Long)]);

    internal static readonly TallyTable DayTally = new("CredentialQuarters",
        [new("AccountId", TallyType.Int), new("Quarter", TallyType.Long), new("Stripe", TallyType.Int)],
        [new("Received", TallyType.Long), new("Expired", TallyType.Long)]);

    /// <summary>Finished ledger rows per day and outcome (written by the ledger's triggers; see <see cref="Outcomes.OutcomeTally"/>).</summary>
    internal static readonly TallyTable OutcomeTally = new("OutcomeTallies",
        [new("AccountId", TallyType.Int), new("LocalDay", TallyType.Date), new("RunKind", TallyType.Int), new("Status", TallyType.Int),
         new("SkipReason", TallyType.Int), new("ErrCode", TallyType.Int), new("Stripe", TallyType.Int)],
        [new("Count", TallyType.Long)]);

    internal static IEnumerable<TallyTable> TallyTables => [PoolTally, HolderTally, SpreadTally, DayTally, OutcomeTally];

    /// <summary>
    /// Writes a transaction's change to the tallies, inside that transaction (before its commit), one statement per
    /// table. Keys are written in sorted order, so two transactions lock shared tally rows in the same order.
    /// </summary>
    public async Task ApplyAsync(DbConnection connection, DbTransaction? transaction, TallyDelta delta, CancellationToken cancellationToken)
    {
        if (delta.IsEmpty)
        {
            return;
        }
        var stripe = stripes == 1 ? 0 : Random.Shared.Next(stripes);
        var spread = new Dictionary<(int Account, int Held, int Known), long>(delta.Spread);
        var holders = delta.Holders.Where(h => h.Value != default)
            .OrderBy(h => h.Key.Account).ThenBy(h => h.Key.OpenId, StringComparer.Ordinal).ToList();
        if (holders.Count > 0)
        {
            await using var command = TallyCommand(connection, transaction, HolderTally,
                holders.Select(h => new object[] { h.Key.Account, h.Key.OpenId, h.Value.Credentials, h.Value.Known }));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                // The returned row is after this change: the user moves from (count - change) to count in the spread.
                var account = reader.GetInt32(0);
                var (now, known) = (reader.GetInt32(2), reader.GetInt32(3));
                var change = delta.Holders[(account, reader.GetString(1))];
                var (was, wasKnown) = (now - change.Credentials, known - change.Known);
                if (was > 0)
                {
                    spread[(account, was, wasKnown)] = spread.GetValueOrDefault((account, was, wasKnown)) - 1;
                }
                if (now > 0)
                {
                    spread[(account, now, known)] = spread.GetValueOrDefault((account, now, known)) + 1;
                }
            }
        }
        // The three remaining tables travel in one round trip where the driver has batches (PostgreSQL, SQL Server).
        await UpsertAsync(connection, transaction, cancellationToken,
            (SpreadTally, spread.Where(s => s.Value != 0)
                .OrderBy(s => s.Key.Account).ThenBy(s => s.Key.Held).ThenBy(s => s.Key.Known)
                .Select(s => new object[] { s.Key.Account, s.Key.Held, s.Key.Known, stripe, s.Value })),
            (PoolTally, delta.Pool.Where(p => p.Value != default)
                .OrderBy(p => p.Key.Account).ThenBy(p => p.Key.Kind).ThenBy(p => p.Key.Template).ThenBy(p => p.Key.Quarter)
                .Select(p => new object[] { p.Key.Account, (int)p.Key.Kind, p.Key.Template, p.Key.Quarter, stripe, p.Value.Credentials, p.Value.Uses })),
            (DayTally, delta.Days.Where(d => d.Value != default)
                .OrderBy(d => d.Key.Account).ThenBy(d => d.Key.Quarter)
                .Select(d => new object[] { d.Key.Account, d.Key.Quarter, stripe, d.Value.Received, d.Value.Expired })));
    }

    private async Task UpsertAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken,
        params (TallyTable Table, IEnumerable<object[]> Rows)[] tables)
    {
        var writes = tables.Select(t => (t.Table, Rows: t.Rows.ToList())).Where(t => t.Rows.Count > 0).ToList();
        if (!connection.CanCreateBatch || writes.Count < 2)
        {
            foreach (var (table, rows) in writes)
            {
                await UpsertAsync(connection, transaction, table, rows, cancellationToken);
            }
            return;
        }
        await using var batch = connection.CreateBatch();
        batch.Transaction = transaction;
        foreach (var (table, rows) in writes)
        {
            var command = batch.CreateBatchCommand();
            command.CommandText = upsertSql(table);
            command.Parameters.Add(RowsParameter(command.CreateParameter(), rows));
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    internal async Task UpsertAsync(DbConnection connection, DbTransaction? transaction, TallyTable table, IEnumerable<object[]> rows, CancellationToken cancellationToken)
    {
        var list = rows.ToList();
        if (list.Count == 0)
        {
            return;
        }
        await using var command = TallyCommand(connection, transaction, table, list);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private DbCommand TallyCommand(DbConnection connection, DbTransaction? transaction, TallyTable table, IEnumerable<object[]> rows)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = upsertSql(table);
        command.Parameters.Add(RowsParameter(command.CreateParameter(), rows));
        return command;
    }

    private static DbParameter RowsParameter(DbParameter parameter, IEnumerable<object[]> rows)
    {
        parameter.ParameterName = "@rows";
        parameter.Value = RowsJson(rows);
        return parameter;
    }

    private static string RowsJson(IEnumerable<object[]> rows)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var row in rows)
            {
                json.WriteStartArray();
                foreach (var value in row)
                {
                    switch (value)
                    {
                        case string text: json.WriteStringValue(text); break;
                        // ISO dates: SQLite stores DateOnly as this text, PostgreSQL and SQL Server convert it to date.
                        case DateOnly date: json.WriteStringValue(date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)); break;
                        case int number: json.WriteNumberValue(number); break;
                        case long number: json.WriteNumberValue(number); break;
                        default: throw new ArgumentException($"A tally value of type {value.GetType()}", nameof(rows));
                    }
                }
                json.WriteEndArray();
            }
            json.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

}

internal enum TallyType { Int, Long, Text, Date }

internal sealed record TallyColumn(string Name, TallyType Type);

/// <summary>A tally table as the upsert statements see it: key columns, then the value columns that are added up.</summary>
internal sealed record TallyTable(string Name, TallyColumn[] Keys, TallyColumn[] Values, string[]? Returning = null)
{
    public IEnumerable<TallyColumn> Columns => Keys.Concat(Values);
}
