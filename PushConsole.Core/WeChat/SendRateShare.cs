namespace PushConsole.WeChat;

/// <summary>
/// How much of an account's send rate this node may use. Alone, all of it; as one of N live nodes of a cluster, an
/// even share (rate / N, rounded down), so the nodes' shares add up to no more than the account's
/// <c>SendRatePerSecond</c> in any second, without a round trip to the database per send. (Rounded up, 5/s on two
/// nodes would be 3 + 3.) A rate below the number of nodes still lets each node send one a second: an account that
/// slow does not need a cluster. The cluster membership (<c>ClusterMembership</c>) keeps
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
        return n <= 1 ? rate : Math.Max(1, rate / n);
    }
}
