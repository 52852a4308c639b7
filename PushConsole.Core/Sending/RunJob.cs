using PushConsole.Persistence;
using Quartz;

namespace PushConsole.Sending;

/// <summary>
/// Executes one run. One job per run, never concurrently with itself (on any node of the cluster); recovered after a
/// crash. A held run schedules its own wake-up.
/// </summary>
[DisallowConcurrentExecution]
public sealed class RunJob(RunExecutor executor, RunScheduler scheduler, IOptions<SendingOptions> options, TimeProvider time,
    ILogger<RunJob> logger) : IJob
{
    public const string RunIdKey = "runId";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var runId = long.Parse(context.MergedJobDataMap.GetString(RunIdKey)!, System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            while (true)
            {
                try
                {
                    var result = await executor.ExecuteAsync(runId, cancellationToken);
                    if (result.WakeAt is { } wakeAt)
                    {
                        await scheduler.StartRunAsync(runId, wakeAt, CancellationToken.None);
                    }
                    return;
                }
                catch (Exception e) when (DatabaseErrors.IsUnreachable(e) && !cancellationToken.IsCancellationRequested)
                {
                    // Nothing would start the run again while the database (Quartz's store too) is away: this job
                    // keeps trying until it is back.
                    logger.LogWarning("Run {RunId}: the database could not be reached ({Error}); trying again shortly", runId, e.Message);
                    await Task.Delay(options.Value.HelperPollInterval, time, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down: the recovery at the next start picks the run up.
        }
        catch (Exception e)
        {
            logger.LogError(e, "Run {RunId} stopped on an error", runId);
            throw new JobExecutionException(e);
        }
    }
}
