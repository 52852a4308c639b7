using Microsoft.Data.Sqlite;
using Npgsql;

namespace PushConsole.Persistence;

/// <summary>Recognises database errors the console answers in words instead of a 500.</summary>
public static class DatabaseErrors
{
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
