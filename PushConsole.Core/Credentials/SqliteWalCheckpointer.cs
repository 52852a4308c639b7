using Microsoft.Data.Sqlite;

namespace PushConsole.Credentials;

/// <summary>
/// Copies the write-ahead log back into the database file on its own connection and thread, so the intake's group
/// commit does not do it. By default SQLite checkpoints inside the commit that pushes the log past 1,000 pages; on
/// the intake that was about a quarter of the writer's time per batch (measured: commit 3.9 ms with, 2.7 ms without),
/// and the single writer is what bounds intake throughput on SQLite.
/// </summary>
/// <remarks>
/// PASSIVE checkpoints never wait for, nor block, the writer or readers; once one has copied the whole log, the next
/// write transaction starts the log over, so it stays small. Durability is unchanged: a commit is durable once its
/// log frames are synced (synchronous=FULL), whoever checkpoints later. The writer keeps a checkpoint threshold of
/// its own (<see cref="WriterBackstopPages"/>) in case this falls behind, so the log stays bounded either way.
/// </remarks>
internal sealed class SqliteWalCheckpointer : IAsyncDisposable
{
    /// <summary>The intake connection's own wal_autocheckpoint: only reached if the background checkpoints fall behind.</summary>
    public const int WriterBackstopPages = 8000;

    /// <summary>Least time between two checkpoints: each copies every page changed since the last, so fewer, larger ones write less.</summary>
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(50);

    private readonly string connectionString;
    private readonly ILogger logger;
    private readonly SemaphoreSlim committed = new(0, 1);
    private readonly CancellationTokenSource stopping = new();
    private readonly Task loop;

    public SqliteWalCheckpointer(string connectionString, ILogger logger)
    {
        this.connectionString = connectionString;
        this.logger = logger;
        loop = Task.Run(RunAsync);
    }

    /// <summary>Tells the checkpointer a commit added to the log (cheap; several commits coalesce into one checkpoint).</summary>
    public void Committed()
    {
        if (committed.CurrentCount == 0)
        {
            try
            {
                committed.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another commit signalled first: one checkpoint covers both.
            }
        }
    }

    private async Task RunAsync()
    {
        SqliteConnection? connection = null;
        try
        {
            while (true)
            {
                await committed.WaitAsync(stopping.Token);
                try
                {
                    if (connection is null)
                    {
                        connection = new SqliteConnection(connectionString);
                        connection.Open();
                    }
                    using var command = connection.CreateCommand();
                    command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
                    command.ExecuteNonQuery();
                }
                catch (SqliteException error)
                {
                    // Not fatal: the writer's own threshold checkpoints meanwhile. Start again with a new connection.
                    logger.LogWarning(error, "A background WAL checkpoint failed");
                    connection?.Dispose();
                    connection = null;
                }
                await Task.Delay(Pause, stopping.Token);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        finally
        {
            connection?.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await loop;
        stopping.Dispose();
        committed.Dispose();
    }
}
