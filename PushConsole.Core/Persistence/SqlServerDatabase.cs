using System.Data;
using System.Data.Common;
using Microsoft.Data.SqlClient;

namespace PushConsole.Persistence;

/// <summary>
/// What SQL Server needs beside the EF model: its form of PostgreSQL's advisory locks (<c>sp_getapplock</c>), of
/// LIMIT, and the database option the inventory's snapshot reads rely on.
/// </summary>
internal static class SqlServerDatabase
{
    /// <summary>T-SQL's LIMIT (after an ORDER BY).</summary>
    public static string FirstRows(int count) => $"OFFSET 0 ROWS FETCH NEXT {count} ROWS ONLY";

    /// <summary>
    /// Row versions for SNAPSHOT transactions (the credential inventory reads its figures in one). Unlike
    /// READ_COMMITTED_SNAPSHOT this switch needs no exclusive access to the database; it is a no-op when already on.
    /// </summary>
    public const string AllowSnapshotSql = """
        IF EXISTS (SELECT 1 FROM sys.databases WHERE database_id = DB_ID() AND snapshot_isolation_state = 0)
            ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION ON;
        """;

    /// <summary>
    /// Takes an application lock: the result is ≥ 0 when granted, negative when not (-1 timed out). @timeout in
    /// milliseconds, -1 waits; @owner is 'Session' (until released or the connection closes) or 'Transaction'.
    /// </summary>
    public const string TakeAppLockSql = """
        DECLARE @result int;
        EXEC @result = sp_getapplock @Resource = @resource, @LockMode = 'Exclusive', @LockOwner = @owner, @LockTimeout = @timeout;
        SELECT @result;
        """;

    public const string ReleaseAppLockSql = """
        EXEC sp_releaseapplock @Resource = @resource, @LockOwner = 'Session';
        """;

    /// <summary>Takes the named lock on this connection; false when <paramref name="timeout"/> passed first.</summary>
    public static async Task<bool> TakeAppLockAsync(DbConnection connection, DbTransaction? transaction, string resource,
        bool transactionScoped, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = TakeAppLockSql;
        command.Parameters.Add(new SqlParameter("@resource", SqlDbType.NVarChar, 255) { Value = resource });
        command.Parameters.Add(new SqlParameter("@owner", SqlDbType.VarChar, 32) { Value = transactionScoped ? "Transaction" : "Session" });
        command.Parameters.Add(new SqlParameter("@timeout", SqlDbType.Int) { Value = timeout is { } t ? (int)t.TotalMilliseconds : -1 });
        // sp_getapplock's own timeout governs the wait; the command must not give up first.
        command.CommandTimeout = 0;
        var result = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        return result >= 0;
    }

    /// <summary>Releases a session lock taken with <see cref="TakeAppLockAsync"/>.</summary>
    public static async Task ReleaseAppLockAsync(DbConnection connection, string resource, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = ReleaseAppLockSql;
        command.Parameters.Add(new SqlParameter("@resource", SqlDbType.NVarChar, 255) { Value = resource });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [TransactSql]
    private static IEnumerable<string> Statements => [AllowSnapshotSql, TakeAppLockSql, ReleaseAppLockSql,
        $"""SELECT "OpenId", COUNT(*) AS n FROM "Credentials" GROUP BY "OpenId" ORDER BY n DESC, "OpenId" {FirstRows(10)}"""];
}
