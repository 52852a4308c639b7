using System.Diagnostics;

namespace PushConsole.Bench;

/// <summary>
/// Counts the SQL statements EF Core executes in this process (its CommandExecuted diagnostic event), and the explicit
/// transactions it commits, so a benchmark can print what one operation costs the database.
/// </summary>
public sealed class StatementCounter : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private readonly List<IDisposable> subscriptions = [];
    private readonly System.Collections.Concurrent.ConcurrentQueue<string>? texts;
    private long statements;
    private long commits;

    private StatementCounter(bool keepTexts)
    {
        texts = keepTexts ? new() : null;
    }

    /// <param name="keepTexts">Keep each statement's first line too (for a profile of one operation, not of a load).</param>
    public static StatementCounter Start(bool keepTexts = false)
    {
        var counter = new StatementCounter(keepTexts);
        counter.subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(counter));
        return counter;
    }

    public long Statements => Interlocked.Read(ref statements);
    public long Commits => Interlocked.Read(ref commits);

    /// <summary>The statements seen, in order, each cut to its first line (when kept).</summary>
    public IReadOnlyList<string> Texts => texts?.ToList() ?? [];

    /// <summary>Where the count stands, for <see cref="Since"/>.</summary>
    public readonly record struct Mark(long Statements, long Commits, int Texts);

    public Mark Now() => new(Statements, Commits, texts?.Count ?? 0);

    /// <summary>
    /// What was counted after <paramref name="mark"/>. One counter subscribed from the start, read in parts: EF Core
    /// re-checks whether anyone listens only every so often, so a counter subscribed just before an operation can miss
    /// its first statements.
    /// </summary>
    public (long Statements, long Commits, IReadOnlyList<string> Texts) Since(Mark mark) =>
        (Statements - mark.Statements, Commits - mark.Commits, Texts.Skip(mark.Texts).ToList());

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
            if (texts is not null && value.Value is Microsoft.EntityFrameworkCore.Diagnostics.CommandEventData data)
            {
                var text = data.Command.CommandText.ReplaceLineEndings(" ").Trim();
                texts.Enqueue(text.Length > 110 ? text[..110] + "…" : text);
            }
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
