using System.Collections.Concurrent;

namespace PushConsole.Sending;

/// <summary>
/// Same-node wake-ups for running executions: a pause or cancel made on this node is seen at once instead of at the
/// next status poll. Other nodes rely on the poll (<see cref="SendingOptions.StatusPollInterval"/>).
/// </summary>
public sealed class RunSignals
{
    private readonly ConcurrentDictionary<long, ConcurrentDictionary<Watch, byte>> watches = new();

    public void Notify(long runId)
    {
        if (watches.TryGetValue(runId, out var set))
        {
            foreach (var watch in set.Keys)
            {
                watch.Wake();
            }
        }
    }

    internal Watch WatchRun(long runId)
    {
        var watch = new Watch(this, runId);
        watches.GetOrAdd(runId, _ => new()).TryAdd(watch, 0);
        return watch;
    }

    internal sealed class Watch(RunSignals owner, long runId) : IDisposable
    {
        private readonly SemaphoreSlim woken = new(0, 1);

        public void Wake()
        {
            try
            {
                woken.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already awake.
            }
            catch (ObjectDisposedException)
            {
            }
        }

        /// <summary>Waits until woken or the interval passes.</summary>
        public Task WaitAsync(TimeSpan interval, CancellationToken cancellationToken) => woken.WaitAsync(interval, cancellationToken);

        public void Dispose()
        {
            if (owner.watches.TryGetValue(runId, out var set))
            {
                set.TryRemove(this, out _);
            }
            woken.Dispose();
        }
    }
}

/// <summary>One execution per run on this node; across nodes Quartz's DisallowConcurrentExecution does the same.</summary>
public sealed class RunGate
{
    private readonly ConcurrentDictionary<long, SemaphoreSlim> gates = new();

    /// <summary>Whether this node is executing the run right now.</summary>
    public bool IsBusy(long runId) => gates.TryGetValue(runId, out var gate) && gate.CurrentCount == 0;

    public async Task<IDisposable> EnterAsync(long runId, CancellationToken cancellationToken)
    {
        var gate = gates.GetOrAdd(runId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        return new Exit(gate);
    }

    private sealed class Exit(SemaphoreSlim gate) : IDisposable
    {
        private int done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref done, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
