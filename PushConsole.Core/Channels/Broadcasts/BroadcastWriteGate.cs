using PushConsole.Persistence;

namespace PushConsole.Channels.Broadcasts;

/// <summary>
/// Lets one broadcast ledger write at a time into SQLite on this node (the campaigns send path has the same idea; one gate
/// for both would also keep a campaign and a broadcast off each other). SQLite has a single writer anyway; without this
/// the lanes' transactions collide, and Microsoft.Data.Sqlite answers a busy database by sleeping the thread (150 ms at
/// a time), which starved the thread pool and cut throughput several times over. Waiting here is async and costs no
/// parallelism. PostgreSQL writes rows concurrently, so there the gate is open.
/// </summary>
public sealed class BroadcastWriteGate(DatabaseOptions database)
{
    private readonly SemaphoreSlim? gate = database.Provider == DatabaseProvider.Sqlite ? new SemaphoreSlim(1, 1) : null;

    public async Task<T> WriteAsync<T>(Func<CancellationToken, Task<T>> write, CancellationToken cancellationToken)
    {
        if (gate is null)
        {
            return await write(cancellationToken);
        }
        await gate.WaitAsync(cancellationToken);
        try
        {
            return await write(cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    public Task WriteAsync(Func<CancellationToken, Task> write, CancellationToken cancellationToken) =>
        WriteAsync(async ct => { await write(ct); return true; }, cancellationToken);
}
