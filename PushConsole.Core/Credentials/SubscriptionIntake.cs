using Microsoft.EntityFrameworkCore;
using PushConsole.Persistence;
using PushConsole.Templates;

namespace PushConsole.Credentials;

public sealed record RejectedSubscription(string TemplateId, string Reason);

public sealed record SubscriptionResult(IReadOnlyList<string> Granted, IReadOnlyList<RejectedSubscription> Rejected);

/// <summary>
/// Turns a <c>wx.requestSubscribeMessage</c> result into grants: one per accepted template that the app has as a
/// subscribe template. Everything else is reported back with a reason: the user's own choice
/// (reject/ban/filter), <c>unknown</c> for a template the console does not know, <c>invalid</c> for any other value.
/// </summary>
public sealed class SubscriptionIntake(IDbContextFactory<PushConsoleDbContext> contexts, CredentialPool pool)
{
    public const string Unknown = "unknown";
    public const string Invalid = "invalid";
    private static readonly HashSet<string> Accepting = ["accept", "acceptWithAudio"];
    private static readonly HashSet<string> Declining = ["reject", "ban", "filter"];

    /// <param name="result">WeChat template id → the user's choice, as the mini program received it.</param>
    public async Task<SubscriptionResult> ReportAsync(int accountId, string openId, IReadOnlyList<KeyValuePair<string, string>> result, CancellationToken cancellationToken = default)
    {
        var accepted = result.Where(r => Accepting.Contains(r.Value)).Select(r => r.Key).Distinct(StringComparer.Ordinal).ToList();
        Dictionary<string, int> known;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            known = accepted.Count == 0 ? [] : await db.Templates.AsNoTracking()
                .Where(t => t.AccountId == accountId && t.Kind == TemplateKind.Subscribe && accepted.Contains(t.WeChatTemplateId))
                .ToDictionaryAsync(t => t.WeChatTemplateId, t => t.Id, StringComparer.Ordinal, cancellationToken);
        }
        var granted = new List<string>();
        var grantIds = new List<int>();
        var rejected = new List<RejectedSubscription>();
        foreach (var (templateId, choice) in result)
        {
            if (Accepting.Contains(choice))
            {
                if (known.TryGetValue(templateId, out var id))
                {
                    granted.Add(templateId);
                    grantIds.Add(id);
                }
                else
                {
                    rejected.Add(new RejectedSubscription(templateId, Unknown));
                }
            }
            else
            {
                rejected.Add(new RejectedSubscription(templateId, Declining.Contains(choice) ? choice : Invalid));
            }
        }
        if (grantIds.Count > 0)
        {
            await pool.AddGrantsAsync(accountId, openId, grantIds, cancellationToken);
        }
        return new SubscriptionResult(granted, rejected);
    }
}
