using Microsoft.EntityFrameworkCore;
using PushConsole.Ledger;
using PushConsole.Persistence;

namespace PushConsole.Sending;

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<RunCommand>))]
public enum RunCommand { Pause, Resume, Cancel }

public sealed record RunCommandResult(bool Succeeded, RunStatus? Status, string? Error = null);

/// <summary>
/// Pause, resume and cancel. Each is a conditional change of the run's row (so it cannot overwrite a later state);
/// a running execution sees it within a poll interval (at once on this node) and stops, putting unsent rows back.
/// Resume starts the run again: it continues with the rows still Pending, so nothing is sent twice.
/// </summary>
public sealed class RunControl(IDbContextFactory<PushConsoleDbContext> contexts, DeliveryLedger ledger, ICredentialSource credentials,
    RunScheduler scheduler, RunSignals signals, TimeProvider time)
{
    private static readonly RunStatus[] Pausable = [RunStatus.Pending, RunStatus.Running, RunStatus.Held];
    private static readonly RunStatus[] Resumable = [RunStatus.Paused, RunStatus.Held, RunStatus.Failed];
    private static readonly RunStatus[] Cancelable = [RunStatus.Pending, RunStatus.Running, RunStatus.Held, RunStatus.Paused, RunStatus.Failed];

    public Task<RunCommandResult> ExecuteAsync(long runId, RunCommand command, string? by, CancellationToken cancellationToken = default) => command switch
    {
        RunCommand.Pause => PauseAsync(runId, by, cancellationToken),
        RunCommand.Resume => ResumeAsync(runId, cancellationToken),
        RunCommand.Cancel => CancelAsync(runId, by, cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(command)),
    };

    public async Task<RunCommandResult> PauseAsync(long runId, string? by, CancellationToken cancellationToken = default)
    {
        var changed = await MoveAsync(runId, Pausable, RunStatus.Paused,
            string.IsNullOrEmpty(by) ? ServiceText.Stored("Run.Paused") : ServiceText.Stored("Run.PausedBy", by), cancellationToken);
        signals.Notify(runId);
        return await ResultAsync(runId, changed, "pause", cancellationToken);
    }

    public async Task<RunCommandResult> ResumeAsync(long runId, CancellationToken cancellationToken = default)
    {
        var changed = await MoveAsync(runId, Resumable, RunStatus.Pending, null, cancellationToken);
        if (changed)
        {
            await scheduler.StartRunAsync(runId, cancellationToken: cancellationToken);
        }
        return await ResultAsync(runId, changed, "resume", cancellationToken);
    }

    public Task<RunCommandResult> CancelAsync(long runId, string? by, CancellationToken cancellationToken = default) =>
        CancelBecauseAsync(runId, string.IsNullOrEmpty(by) ? ServiceText.Stored("Run.Canceled") : ServiceText.Stored("Run.CanceledBy", by), cancellationToken);

    /// <summary>Cancels with the reason in words (a channel's reminder canceled, turned off or deleted).</summary>
    public async Task<RunCommandResult> CancelBecauseAsync(long runId, string reason, CancellationToken cancellationToken = default)
    {
        var changed = await MoveAsync(runId, Cancelable, RunStatus.Canceled, reason, cancellationToken);
        if (changed)
        {
            signals.Notify(runId);
            // Rows not yet taken are skipped now; rows a running execution puts back are skipped when it stops.
            await ledger.SkipPendingAsync(runId, SkipReason.Canceled, cancellationToken);
            await RunCredentials.ReleaseCanceledAsync(contexts, ledger, credentials, runId, cancellationToken);
            await ledger.RecountAsync(runId, cancellationToken);
        }
        return await ResultAsync(runId, changed, "cancel", cancellationToken);
    }

    private async Task<bool> MoveAsync(long runId, RunStatus[] from, RunStatus to, string? reason, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var changed = await db.DeliveryRuns.Where(r => r.Id == runId && from.Contains(r.Status))
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, to)
                .SetProperty(r => r.StatusReason, reason)
                .SetProperty(r => r.HeldUntil, (DateTimeOffset?)null)
                .SetProperty(r => r.FinishedAt, r => to == RunStatus.Canceled ? now : r.FinishedAt)
                .SetProperty(r => r.Version, r => r.Version + 1), cancellationToken);
        return changed > 0;
    }

    private async Task<RunCommandResult> ResultAsync(long runId, bool changed, string verb, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var status = await db.DeliveryRuns.Where(r => r.Id == runId).Select(r => (RunStatus?)r.Status).SingleOrDefaultAsync(cancellationToken);
        return status is null
            ? new RunCommandResult(false, null, ServiceText.Get("Run.Missing"))
            : new RunCommandResult(changed, status, changed ? null : ServiceText.Get($"Run.Cannot{verb}", ServiceText.Get($"RunStatus.{status.Value}")));
    }
}
