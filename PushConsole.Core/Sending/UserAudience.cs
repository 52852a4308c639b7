using Microsoft.EntityFrameworkCore;
using PushConsole.Accounts;
using PushConsole.Campaigns;
using PushConsole.Persistence;
using PushConsole.Templates;

namespace PushConsole.Sending;

/// <summary>Resolves who a campaign sends to at the moment it runs (or is dry-run).</summary>
public sealed class UserAudience(IDbContextFactory<PushConsoleDbContext> contexts, IAudienceDirectory directory)
{
    /// <summary>
    /// The openids of the audience, distinct and in a stable order. <paramref name="uploaded"/> stands in for the stored
    /// list (a dry run of a list not saved yet).
    /// </summary>
    public async Task<IReadOnlyList<string>> ResolveAsync(Campaign campaign, WeChatAccount account, MessageTemplate template,
        DateTimeOffset now, CancellationToken cancellationToken, IReadOnlyCollection<string>? uploaded = null)
    {
        IEnumerable<string> users = campaign.Audience switch
        {
            AudienceKind.UsableCredential => await directory.UsersWithUsableCredentialAsync(account.Id, CredentialNeed.Of(template), cancellationToken),
            AudienceKind.NotActiveToday => await NotActiveTodayAsync(account, now, cancellationToken),
            AudienceKind.UploadedList => uploaded ?? await UploadedAsync(campaign.Id, cancellationToken),
            _ => throw new InvalidOperationException($"Unknown audience {campaign.Audience}."),
        };
        var list = users.Distinct(StringComparer.Ordinal).ToList();
        list.Sort(StringComparer.Ordinal);
        return list;
    }

    private async Task<IEnumerable<string>> NotActiveTodayAsync(WeChatAccount account, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // "Today" is the account's: a check-in at 00:30 Shanghai time counts for that Shanghai day.
        var midnight = AccountCalendar.Of(account).StartOfDay(now);
        var known = await directory.KnownUsersAsync(account.Id, cancellationToken);
        var active = (await directory.UsersCheckedInSinceAsync(account.Id, midnight, cancellationToken)).ToHashSet(StringComparer.Ordinal);
        return known.Where(u => !active.Contains(u));
    }

    private async Task<IEnumerable<string>> UploadedAsync(int campaignId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.CampaignRecipients.Where(r => r.CampaignId == campaignId).Select(r => r.OpenId).ToListAsync(cancellationToken);
    }
}
