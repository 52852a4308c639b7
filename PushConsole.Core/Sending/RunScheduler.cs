using System.Globalization;
using Quartz;

namespace PushConsole.Sending;

/// <summary>
/// The runs' side of Quartz: a job per run (<see cref="RunJob"/>), whatever started it (a campaign's fire, a channel's
/// reminder), started, woken and resumed by triggers. The jobs live in Quartz's persistent store, so held runs survive
/// restarts.
/// </summary>
public sealed class RunScheduler(ISchedulerFactory schedulers, TimeProvider time)
{
    public const string RunGroup = "runs";

    public static JobKey RunJobKey(long runId) => new($"run-{runId}", RunGroup);

    /// <summary>
    /// Makes sure the run executes at <paramref name="at"/> (now when null), or earlier if a start is already due
    /// sooner. While the run executes, the new start waits for it to end (the job is not concurrent).
    /// </summary>
    public async Task StartRunAsync(long runId, DateTimeOffset? at = null, CancellationToken cancellationToken = default)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var key = RunJobKey(runId);
        var job = JobBuilder.Create<RunJob>()
            .WithIdentity(key)
            .UsingJobData(RunJob.RunIdKey, runId.ToString(CultureInfo.InvariantCulture))
            .StoreDurably()
            .RequestRecovery()
            .Build();
        await scheduler.AddJob(job, AddJobOptions.Replacing, cancellationToken);
        var trigger = TriggerBuilder.Create()
            .WithIdentity($"run-{runId}-start", RunGroup)
            .ForJob(key)
            .StartAt(at ?? time.GetUtcNow())
            .WithSimpleSchedule(s => s.WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow))
            .Build();
        await scheduler.ScheduleTrigger(trigger, TriggerConflict.KeepEarlier, cancellationToken);
    }
}
