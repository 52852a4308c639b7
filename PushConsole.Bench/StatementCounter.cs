using System.Diagnostics;

namespace PushConsole.Bench;

/// <summary>
/// Counts the SQL statements EF Core executes in this process (its CommandExecuted diagnostic event), and the explicit
/// transactions it commits, so a benchmark can print what one operation costs the database.
/// </summary>
public sealed class StatementCounter : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private readonly List<IDisposable> subscriptions = [];
    private long statements;
    private long commits;

    private StatementCounter()
    {
    }

    public static StatementCounter Start()
    {
        var counter = new StatementCounter();
        counter.subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(counter));
        return counter;
    }

    public long Statements => Interlocked.Read(ref statements);
    public long Commits => Interlocked.Read(ref commits);

    void IObserver<DiagnosticListener>.OnNext(DiagnosticListener listener)
    {
        if (listener.Name == "Microsoft.EntityFrameworkCore")
        {
            lock (subscriptions)
            {
                subscriptions.Add(listener.Subscribe(this, name => name.EndsWith("CommandExecuted", StringComparison.Ordinal)
                    || name.EndsWith("TransactionCommitted", StringComparison.Ordinal)));
            }
        }
    }

    void IObserver<KeyValuePair<string, object?>>.OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Key.EndsWith("CommandExecuted", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref statements);
        }
        else
        {
            Interlocked.Increment(ref commits);
        }
    }

    public void OnCompleted()
    {
    }

    public void OnError(Exception error)
    {
    }

    public void Dispose()
    {
        lock (subscriptions)
        {
            foreach (var subscription in subscriptions)
            {
                subscription.Dispose();
            }
        }
    }
}
