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
            errors.Add(ServiceText.Get("Campaign.Name"));
        }
        if (account is null)
        {
            errors.Add(ServiceText.Get("Campaign.ChooseAccount"));
        }
        if (template is null || (account is not null && template.AccountId != account.Id))
        {
            errors.Add(ServiceText.Get("Campaign.ChooseTemplate"));
        }
        else if (!template.Enabled)
        {
            errors.Add(ServiceText.Get("Campaign.TemplateDisabled", template.Title));
        }
        if (!Enum.IsDefined(Audience))
        {
            errors.Add(ServiceText.Get("Campaign.ChooseAudience"));
        }
        else if (Audience != AudienceKind.UploadedList && template?.Kind == TemplateKind.OfficialAccountTemplate)
        {
            errors.Add(ServiceText.Get("Campaign.OfficialAudience"));
        }
        if (Audience == AudienceKind.UploadedList)
        {
            var count = Recipients?.Count ?? storedRecipients;
            if (count == 0)
            {
                errors.Add(ServiceText.Get("Campaign.UploadList"));
            }
            if (Recipients is { } list)
            {
                if (list.Count > MaxRecipients)
                {
                    errors.Add(ServiceText.Get("Campaign.ListTooLong", MaxRecipients));
                }
                var bad = list.FirstOrDefault(id => !OpenIdPattern().IsMatch(id));
                if (bad is not null)
                {
                    errors.Add(ServiceText.Get("Campaign.NotOpenId", Shorten(bad), CampaignRecipient.MaxOpenIdLength));
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
                    errors.Add(ServiceText.Get("Campaign.ChooseTime"));
                }
                else if (creating && StartAt <= now)
                {
                    errors.Add(ServiceText.Get("Campaign.TimePast"));
                }
                break;
            case ScheduleKind.Recurring:
                if (CampaignSchedules.ParseCron(Cron, out var cronError) is null)
                {
                    errors.Add(cronError!);
                }
                if (!string.IsNullOrWhiteSpace(TimeZone) && AccountCalendar.Resolve(TimeZone) is null)
                {
                    errors.Add(ServiceText.Get("Campaign.UnknownZone", TimeZone));
                }
                break;
            default:
                errors.Add(ServiceText.Get("Campaign.ChooseSchedule"));
                break;
        }
        if (DailyCapPerUser is < 0 or > 100)
        {
            errors.Add(ServiceText.Get("Campaign.DailyCap", DailyCapPerUser));
        }
        return errors;
    }

    private static string Shorten(string text) => text.Length > 40 ? text[..40] + "…" : text;

    [GeneratedRegex("^[A-Za-z0-9_-]{1,128}$")]
    private static partial Regex OpenIdPattern();
}
