using Microsoft.EntityFrameworkCore;
using PushConsole.Ledger;
using PushConsole.Persistence;

namespace PushConsole.Sending;

internal static class RunCredentials
{
    /// <summary>
    /// Gives back the credentials rows of a canceled run still hold (put back by a hold or an interruption, then
    /// skipped by the cancel), and takes them off the rows, so a second call releases nothing twice.
    /// </summary>
    public static async Task ReleaseCanceledAsync(IDbContextFactory<PushConsoleDbContext> contexts, DeliveryLedger ledger,
        ICredentialSource credentials, long runId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var held = await db.Deliveries.AsNoTracking()
            .Where(d => d.RunId == runId && d.Status == DeliveryStatus.Skipped && d.SkipReason == SkipReason.Canceled && d.CredentialId != null)
            .Select(d => new { d.Id, d.Recipient, CredentialId = d.CredentialId!.Value })
            .ToListAsync(cancellationToken);
        if (held.Count == 0)
        {
            return;
        }
        await ledger.DetachCredentialsAsync(held.Select(h => h.Id).ToList(), cancellationToken);
        await credentials.SettleAsync(held.Select(h => new CredentialSettlement(
            new HeldCredential(h.CredentialId, h.Recipient, null, null), CredentialVerdict.Release)).ToList(), cancellationToken);
    }
}
