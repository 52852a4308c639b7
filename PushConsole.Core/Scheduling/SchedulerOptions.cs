namespace PushConsole.Scheduling;

/// <summary>The <c>Scheduler</c> section: how the embedded Quartz.NET scheduler runs.</summary>
public sealed class SchedulerOptions
{
    public const string Section = "Scheduler";

    /// <summary>Node id within a cluster; AUTO lets Quartz make one up (host name + timestamp).</summary>
    public string InstanceId { get; set; } = "AUTO";

    /// <summary>Run as one node of a cluster sharing the database (PostgreSQL).</summary>
    public bool Clustered { get; set; }

    /// <summary>Worker threads per node; sends are async, so a few threads carry many concurrent sends.</summary>
    public int MaxConcurrency { get; set; } = 8;

    /// <summary>How far behind a trigger may be and still fire as scheduled rather than as a misfire.</summary>
    public TimeSpan MisfireThreshold { get; set; } = TimeSpan.FromSeconds(60);

    public TimeSpan ClusterCheckinInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long an idle node's scheduler waits before looking for due triggers again. A trigger saved on this node
    /// wakes it at once; one saved by another node of a cluster is seen within this time (Quartz.NET's default: 30 s).
    /// </summary>
    public TimeSpan IdleWaitTime { get; set; } = TimeSpan.FromSeconds(30);
}
