using Microsoft.EntityFrameworkCore;
using PushConsole.Accounts;
using PushConsole.Sending;
using PushConsole.Ledger;
using PushConsole.Persistence;
using PushConsole.Templates;

namespace PushConsole.Messages;

/// <summary>
/// A transactional message as a run of the one send engine (<see cref="RunExecutor"/>): a one-recipient run (kind
/// Message, fire key <c>message:{id}</c>) whose message is built from the payload stored with the request. It answers
/// what the user just did, so neither the account's quiet hours nor a daily cap hold it, and it is urgent: its send
/// takes the account's next permit ahead of bulk runs. Its end records the outcome callback to the account's webhook.
/// </summary>
public sealed class MessageRunOwner(
    IDbContextFactory<PushConsoleDbContext> contexts,
    MessageQueries queries,
    MessageWebhooks webhooks,
    MessageOutcomes outcomes) : IRunOwner
{
    public RunKind Kind => RunKind.Message;

    public async Task<RunPreparation> PrepareAsync(DeliveryRun run, WeChatAccount account, MessageTemplate template,
        CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var payload = await db.Set<TransactionalMessage>().AsNoTracking().Where(m => m.RunId == run.Id).Select(m => m.Payload)
            .SingleOrDefaultAsync(cancellationToken);
        if (payload is null)
        {
            return RunPreparation.Unsendable(ServiceText.Stored("Run.MessageGone"));
        }
        return new RunPreparation(new TransactionalRunMessage(template, MessagePayload.FromJson(payload)), Urgent: true);
    }

    /// <summary>The messages of runs executed together: their payloads in one read.</summary>
    public async Task<IReadOnlyDictionary<long, RunPreparation>> PrepareAsync(IReadOnlyList<DeliveryRun> runs, WeChatAccount account,
        MessageTemplate template, CancellationToken cancellationToken)
    {
        var ids = runs.Select(r => r.Id).ToList();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var payloads = await db.Set<TransactionalMessage>().AsNoTracking().Where(m => m.RunId != null && ids.Contains(m.RunId.Value))
            .Select(m => new { RunId = m.RunId!.Value, m.Payload }).ToDictionaryAsync(m => m.RunId, m => m.Payload, cancellationToken);
        return runs.ToDictionary(r => r.Id, r => payloads.TryGetValue(r.Id, out var payload)
            ? new RunPreparation(new TransactionalRunMessage(template, MessagePayload.FromJson(payload)), Urgent: true)
            : RunPreparation.Unsendable(ServiceText.Stored("Run.MessageGone")));
    }

    /// <summary>Runs executed together ended: one look for the account's webhook for all of them.</summary>
    public async Task EndedAsync(IReadOnlyList<DeliveryRun> runs, RunStatus status, CancellationToken cancellationToken)
    {
        foreach (var account in runs.GroupBy(r => r.AccountId))
        {
            if (!await webhooks.ExistsAsync(account.Key, cancellationToken))
            {
                continue;
            }
            foreach (var run in account)
            {
                if (await queries.FindByRunAsync(run.Id, cancellationToken) is { Final: true } message)
                {
                    await outcomes.FinishedAsync(message, cancellationToken);
                }
            }
        }
    }

    /// <summary>The outcome is final: its callback is recorded (once per message, whichever node gets here).</summary>
    public async Task EndedAsync(DeliveryRun run, RunStatus status, string? reason, CancellationToken cancellationToken)
    {
        // Most accounts have no webhook: one cheap read instead of reading the message's outcome for nothing.
        if (await webhooks.ExistsAsync(run.AccountId, cancellationToken)
            && await queries.FindByRunAsync(run.Id, cancellationToken) is { Final: true } message)
        {
            await outcomes.FinishedAsync(message, cancellationToken);
        }
    }
}
