namespace PushConsole.Scheduling;

/// <summary>How this process names itself in logs: the Quartz instance id when one is set, else host and process.</summary>
public static class ClusterNode
{
    public static string NameOf(SchedulerOptions? options) =>
        options is { InstanceId: { Length: > 0 } id } && !string.Equals(id, "AUTO", StringComparison.OrdinalIgnoreCase)
            ? id
            : $"{Environment.MachineName}/{Environment.ProcessId}";
}
