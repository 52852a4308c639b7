using System.Text.RegularExpressions;
using PushConsole.Accounts;
using PushConsole.Templates;

namespace PushConsole.Campaigns;

/// <summary>What an admin or editor sets on a campaign (the API body and the edit form).</summary>
public sealed partial class CampaignInput
{
    public string Name { get; set; } = "";
    public int AccountId { get; set; }
    public int TemplateId { get; set; }
    public AudienceKind Audience { get; set; } = AudienceKind.UsableCredential;
    /// <summary>Openids for <see cref="AudienceKind.UploadedList"/>; null on an update keeps the stored list.</summary>
    public List<string>? Recipients { get; set; }
    public ScheduleKind Schedule { get; set; } = ScheduleKind.Now;
    public DateTimeOffset? StartAt { get; set; }
    /// <summary>Five-field crontab ("0 10 * * *") or Quartz's six/seven fields.</summary>
    public string? Cron { get; set; }
    /// <summary>IANA time zone of the cron; empty means the account's.</summary>
    public string? TimeZone { get; set; }
    public int DailyCapPerUser { get; set; } = Campaign.DefaultDailyCap;
    public bool Enabled { get; set; } = true;

    public const int MaxRecipients = 1_000_000;

    public static CampaignInput From(Campaign c) => new()
    {
        Name = c.Name, AccountId = c.AccountId, TemplateId = c.TemplateId, Audience = c.Audience, Schedule = c.Schedule,
        StartAt = c.StartAt, Cron = c.Cron, TimeZone = c.TimeZone, DailyCapPerUser = c.DailyCapPerUser, Enabled = c.Enabled,
    };

    /// <summary>Problems with the input, in words for the form; empty when it can be saved.</summary>
    internal List<string> Validate(WeChatAccount? account, MessageTemplate? template, int storedRecipients, DateTimeOffset now, bool creating)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Name) || Name.Trim().Length > 200)
        {
            errors.Add("A name of 1 to 200 characters is required.");
        }
        if (account is null)
        {
            errors.Add("Choose an existing account.");
        }
        if (template is null || (account is not null && template.AccountId != account.Id))
        {
            errors.Add("Choose a template of the account.");
        }
        else if (!template.Enabled)
        {
            errors.Add($"The template {template.Title} is disabled.");
        }
        if (!Enum.IsDefined(Audience))
        {
            errors.Add("Choose an audience.");
        }
        else if (Audience != AudienceKind.UploadedList && template?.Kind == TemplateKind.OfficialAccountTemplate)
        {
            errors.Add("Official account messages go to an uploaded list of follower openids; the credential-based audiences are for mini programs.");
        }
        if (Audience == AudienceKind.UploadedList)
        {
            var count = Recipients?.Count ?? storedRecipients;
            if (count == 0)
            {
                errors.Add("Upload a list of openids for this audience.");
            }
            if (Recipients is { } list)
            {
                if (list.Count > MaxRecipients)
                {
                    errors.Add($"At most {MaxRecipients:N0} openids per list.");
                }
                var bad = list.FirstOrDefault(id => !OpenIdPattern().IsMatch(id));
                if (bad is not null)
                {
                    errors.Add($"'{Shorten(bad)}' is not an openid (letters, digits, '-' and '_', at most {CampaignRecipient.MaxOpenIdLength}).");
                }
            }
        }
        switch (Schedule)
        {
            case ScheduleKind.Now:
                break;
            case ScheduleKind.Once:
                if (StartAt is null)
                {
                    errors.Add("Choose the date and time to send.");
                }
                else if (creating && StartAt <= now)
                {
                    errors.Add("The send time is in the past.");
                }
                break;
            case ScheduleKind.Recurring:
                if (CampaignSchedules.ParseCron(Cron, out var cronError) is null)
                {
                    errors.Add(cronError!);
                }
                if (!string.IsNullOrWhiteSpace(TimeZone) && AccountCalendar.Resolve(TimeZone) is null)
                {
                    errors.Add($"The time zone '{TimeZone}' is unknown; use an IANA name such as Asia/Shanghai.");
                }
                break;
            default:
                errors.Add("Choose a schedule.");
                break;
        }
        if (DailyCapPerUser is < 0 or > 100)
        {
            errors.Add($"The daily cap per user (dailyCapPerUser) is between 0 (no cap) and 100; it was {DailyCapPerUser}.");
        }
        return errors;
    }

    private static string Shorten(string text) => text.Length > 40 ? text[..40] + "…" : text;

    [GeneratedRegex("^[A-Za-z0-9_-]{1,128}$")]
    private static partial Regex OpenIdPattern();
}
