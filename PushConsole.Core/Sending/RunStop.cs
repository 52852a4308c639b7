namespace PushConsole.Sending;

/// <summary>Why a run's execution stops before its audience is done. Higher values win when several happen at once.</summary>
public enum RunStopKind
{
    /// <summary>The node is shutting down: the run continues on the next start (or another node).</summary>
    Shutdown = 1,
    /// <summary>The database could not be reached: the run stays running and is executed again shortly.</summary>
    Interrupted = 2,
    /// <summary>WeChat asked to wait (45009 until tomorrow, 45011 for a minute) or quiet hours began.</summary>
    Hold = 3,
    /// <summary>Nothing more can be sent until someone fixes the account or template.</summary>
    Fail = 4,
    Pause = 5,
    Cancel = 6,
}

/// <param name="QuietHours">A hold for the account's quiet hours (a recurring run skips them instead of spilling into
/// the next day), told by this flag and not by the reason's words, which are stored for the reader's language.</param>
public sealed record RunStop(RunStopKind Kind, string Reason, DateTimeOffset? Until = null, bool QuietHours = false)
{
    /// <summary>
    /// An error's message as an argument of a stored reason: bounded, because the reason column holds 1,000 characters
    /// and a stored text cut short could no longer be shown in the reader's language.
    /// </summary>
    internal static string Brief(Exception error) =>
        error.Message.Length <= 300 ? error.Message : string.Concat(error.Message.AsSpan(0, 300), "…");
}

/// <summary>
/// The stop of one execution: set once by whoever sees a reason first (a worker meeting 45009, the status monitor
/// seeing a pause), upgraded if a stronger reason follows (a cancel during a hold).
/// </summary>
internal sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource stopped = new();
    private readonly Lock gate = new();
    private RunStop? stop;

    public RunStop? Stop
    {
        get { lock (gate) { return stop; } }
    }

    public bool IsStopped => stopped.IsCancellationRequested;

    /// <summary>Cancelled when the first stop is requested.</summary>
    public CancellationToken Token => stopped.Token;

    public void Request(RunStop request)
    {
        lock (gate)
        {
            if (stop is not null && stop.Kind >= request.Kind)
            {
                return;
            }
            stop = request;
        }
        try
        {
            stopped.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The execution is over; nothing is listening.
        }
    }

    public void Dispose() => stopped.Dispose();
}
