namespace PushConsole.Bench;

/// <summary>Per-request latencies collected by many workers; each worker keeps its own list (no contention).</summary>
public sealed class Latencies
{
    private readonly List<List<double>> perWorker = [];

    public List<double> NewWorker()
    {
        var list = new List<double>(1 << 16);
        lock (perWorker) perWorker.Add(list);
        return list;
    }

    public (double P50, double P99, int Count) Summary()
    {
        var all = perWorker.SelectMany(l => l).ToArray();
        if (all.Length == 0)
        {
            return (double.NaN, double.NaN, 0);
        }
        Array.Sort(all);
        return (all[(int)(all.Length * 0.50)], all[Math.Min(all.Length - 1, (int)(all.Length * 0.99))], all.Length);
    }
}
