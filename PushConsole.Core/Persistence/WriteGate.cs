namespace PushConsole.Persistence;

/// <summary>
/// The one write path into SQLite within a process: every writer of the send path (ledger takes and outcomes, credential
/// claims and settlements, a run's cursor) takes its turn here. SQLite has one writer at a time, and
/// Microsoft.Data.Sqlite waits for a busy database by sleeping the thread 150 ms between retries, so two writers of one
/// process that collide lose far more time than their statements take (and starve the thread pool). Waiting here is
/// async. PostgreSQL locks rows, not the database: there the gate lets everyone through.
/// </summary>
public sealed class WriteGate(DatabaseOptions database)
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

    /// <summary>Runs one write in its turn.</summary>
    public async Task<T> WriteAsync<T>(Func<CancellationToken, Task<T>> write, CancellationToken cancellationToken)
    {
        using var turn = await EnterAsync(cancellationToken);
        return await write(cancellationToken);
    }

    public readonly struct Turn(SemaphoreSlim? gate) : IDisposable
    {
        public void Dispose() => gate?.Release();
    }
}
