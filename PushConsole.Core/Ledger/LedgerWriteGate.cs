using PushConsole.Persistence;

namespace PushConsole.Ledger;

/// <summary>
/// Turns for writers of the ledger (and of the claims and settlements that go with its rows) on SQLite. SQLite has
/// one writer at a time, and Microsoft.Data.Sqlite waits for a busy database by sleeping 150 ms between retries, so
/// two writers of one process that collide lose far more time than their statements take. Taking turns in memory
/// keeps them off each other. PostgreSQL locks rows, not the database: there the gate lets everyone through.
/// </summary>
public sealed class LedgerWriteGate(DatabaseOptions database)
{
    private readonly SemaphoreSlim? gate = database.Provider == DatabaseProvider.Sqlite ? new SemaphoreSlim(1, 1) : null;

    public async ValueTask<Turn> EnterAsync(CancellationToken cancellationToken)
    {
        if (gate is null)
        {
            return default;
        }
        await gate.WaitAsync(cancellationToken);
        return new Turn(gate);
    }

    public readonly struct Turn(SemaphoreSlim? gate) : IDisposable
    {
        public void Dispose() => gate?.Release();
    }
}
