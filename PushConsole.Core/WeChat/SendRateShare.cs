namespace PushConsole.WeChat;

/// <summary>
/// How much of an account's send rate this node may use. Alone, all of it; as one of N live nodes of a cluster, an
/// even share (rate / N, rounded up), so the nodes together stay within the account's <c>SendRatePerSecond</c>
/// without a round trip to the database per send. The cluster membership (<c>ClusterMembership</c>) keeps
/// <see cref="Nodes"/> up to date from Quartz.NET's check-in table.
/// </summary>
public sealed class SendRateShare
{
    private int nodes = 1;

    /// <summary>Live nodes sharing the accounts' rates (at least 1).</summary>
    public int Nodes
    {
        get => Volatile.Read(ref nodes);
        set => Volatile.Write(ref nodes, Math.Max(1, value));
    }

    /// <summary>This node's share of <paramref name="ratePerSecond"/>.</summary>
    public int ShareOf(int ratePerSecond)
    {
        var rate = Math.Max(1, ratePerSecond);
        var n = Nodes;
        return n <= 1 ? rate : Math.Max(1, (rate + n - 1) / n);
    }
}
