namespace PushConsole.Channels.Broadcasts;

/// <summary>Wakes this node's broadcast worker at once when a reminder fires, instead of at its next poll.</summary>
public sealed class BroadcastSignal
{
    private readonly SemaphoreSlim wake = new(0, 1);

    public void Wake()
    {
        try
        {
            wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: one wake-up covers every broadcast waiting.
        }
    }

    /// <summary>Waits for a wake-up or the timeout, whichever comes first.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => wake.WaitAsync(timeout, cancellationToken);
}
