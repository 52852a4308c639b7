using Microsoft.Data.Sqlite;
using Npgsql;

namespace PushConsole.Persistence;

/// <summary>Recognises database errors the console answers in words instead of a 500.</summary>
public static class DatabaseErrors
{
    /// <summary>
    /// The database cannot be reached for now (a restart, a dropped connection, a failover): the work is tried again
    /// later rather than given up.
    /// </summary>
    public static bool IsUnreachable(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException postgres:
                    // 08: connection exceptions; 57P: the server shutting down or starting up.
                    return postgres.SqlState.StartsWith("08", StringComparison.Ordinal) || postgres.SqlState.StartsWith("57P", StringComparison.Ordinal)
                        || postgres.IsTransient;
                case NpgsqlException:
                case System.Net.Sockets.SocketException:
                case System.Data.Common.DbException { IsTransient: true }:
                    return true;
            }
        }
        return false;
    }

    /// <summary>A row refers to one that is gone (e.g. an account deleted a moment ago, on this node or another).</summary>
    public static bool IsForeignKeyViolation(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 787 } || e is PostgresException { SqlState: PostgresErrorCodes.ForeignKeyViolation })
            {
                return true;
            }
        }
        return false;
    }
}
