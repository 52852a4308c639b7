using Microsoft.EntityFrameworkCore;
using PushConsole.Ledger;
using PushConsole.Persistence;

namespace PushConsole.Channels;

/// <summary>
/// The reminder status changes the machinery makes (a firing trigger, a reminder's run ending, a cancel). Each is one
/// conditional UPDATE that only applies from the expected state of the expected occurrence, so a stale trigger, a
/// duplicate fire or a cancel racing a fire cannot both win. Each bumps the channel's version, so an editor saving
/// over it is told the channel changed.
/// </summary>
public sealed class ReminderTransitions(IDbContextFactory<PushConsoleDbContext> contexts, TimeProvider time)
{
    /// <summary>Moves the occurrence from <paramref name="from"/> to <paramref name="to"/>; false when it was not there.</summary>
    public async Task<bool> MoveAsync(int channelId, int occurrence, ReminderStatus from, ReminderStatus to, string? reason,
        CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        return await db.Channels
            .Where(c => c.Id == channelId && c.Occurrence == occurrence && c.ReminderStatus == from)
            .ExecuteUpdateAsync(s => s
                .SetProperty(c => c.ReminderStatus, to)
                .SetProperty(c => c.ReminderReason, Trim(reason))
                .SetProperty(c => c.UpdatedAt, now)
                .SetProperty(c => c.Version, c => c.Version + 1), cancellationToken) == 1;
    }

    /// <summary>Records the run of the occurrence on the channel (the progress shown comes from it).</summary>
    public async Task AttachRunAsync(int channelId, int occurrence, long runId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.Channels
            .Where(c => c.Id == channelId && c.Occurrence == occurrence && c.CurrentRunId != runId)
            .ExecuteUpdateAsync(s => s
                .SetProperty(c => c.CurrentRunId, runId)
                .SetProperty(c => c.Version, c => c.Version + 1), cancellationToken);
    }

    /// <summary>The summary of an ended run, in words (written after its final count).</summary>
    public async Task SetRunReasonAsync(long runId, string? reason, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.DeliveryRuns.Where(r => r.Id == runId)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.StatusReason, Trim(reason)), cancellationToken);
    }

    private static string? Trim(string? reason) => reason is { Length: > 1000 } ? reason[..1000] : reason;
}
