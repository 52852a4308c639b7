namespace PushConsole.Sending;

/// <summary>
/// Same-node wake-ups for running executions: a pause or cancel made on this node is seen at once instead of at the
/// next status poll. Other nodes rely on the poll (<see cref="SendingOptions.StatusPollInterval"/>).
/// </summary>
public sealed class RunSignals
{
    // A run's watches, kept only while one exists (a run per transactional message must not leave an entry behind).
    private readonly Dictionary<long, HashSet<Watch>> watches = [];
    private readonly Lock guard = new();

    public void Notify(long runId)
    {
        Watch[] woken;
        lock (guard)
        {
            woken = watches.TryGetValue(runId, out var set) ? [.. set] : [];
        }
        foreach (var watch in woken)
        {
            watch.Wake();
        }
    }

    internal Watch WatchRun(long runId)
    {
        var watch = new Watch(this, runId);
        lock (guard)
        {
            if (!watches.TryGetValue(runId, out var set))
            {
                watches[runId] = set = [];
            }
            set.Add(watch);
        }
        return watch;
    }

    private void Forget(long runId, Watch watch)
    {
        lock (guard)
        {
            if (watches.TryGetValue(runId, out var set) && set.Remove(watch) && set.Count == 0)
            {
                watches.Remove(runId);
            }
        }
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
            owner.Forget(runId, this);
            woken.Dispose();
        }
    }
}

/// <summary>
/// One execution per run on this node; across nodes Quartz's DisallowConcurrentExecution does the same. A run's gate
/// lives only while someone holds or waits for it, so a node executing a one-recipient run per transactional message
/// does not keep a gate per message for its lifetime.
/// </summary>
public sealed class RunGate
{
    private readonly Dictionary<long, Gate> gates = [];
    private readonly Lock guard = new();

    /// <summary>Whether this node is executing the run right now.</summary>
    public bool IsBusy(long runId)
    {
        lock (guard)
        {
            return gates.ContainsKey(runId);
        }
    }

    public async Task<IDisposable> EnterAsync(long runId, CancellationToken cancellationToken)
    {
        Gate gate;
        lock (guard)
        {
            if (!gates.TryGetValue(runId, out gate!))
            {
                gates[runId] = gate = new Gate();
            }
            gate.Users++;
        }
        try
        {
            await gate.Semaphore.WaitAsync(cancellationToken);
        }
        catch
        {
            Leave(runId, gate);
            throw;
        }
        return new Exit(this, runId, gate);
    }

    private void Leave(long runId, Gate gate)
    {
        lock (guard)
        {
            if (--gate.Users == 0)
            {
                gates.Remove(runId);
            }
        }
    }

    private sealed class Gate
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);
        // Holders and waiters; the gate is dropped when none is left.
        public int Users { get; set; }
    }

    private sealed class Exit(RunGate owner, long runId, Gate gate) : IDisposable
    {
        private int done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref done, 1) == 0)
            {
                gate.Semaphore.Release();
                owner.Leave(runId, gate);
            }
        }
    }
}
