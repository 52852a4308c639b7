using Quartz;
using PushConsole.Accounts;

namespace PushConsole.Campaigns;

/// <summary>Reading cron expressions and working out when a campaign fires next.</summary>
public static class CampaignSchedules
{
    /// <summary>
    /// Parses a cron expression: Quartz's own six/seven fields (seconds first), or the five-field crontab form
    /// ("0 10 * * *" = daily 10:00), which is stored in Quartz's spelling. Returns null and an error when invalid.
    /// </summary>
    public static CronExpression? ParseCron(string? text, out string? error)
    {
        error = null;
        var trimmed = text?.Trim() ?? "";
        if (trimmed.Length == 0)
        {
            error = ServiceText.Get("Campaign.CronRequired");
            return null;
        }
        var fields = trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        var format = fields == 5 ? CronFormat.Unix : CronFormat.Quartz;
        try
        {
            return CronExpression.Parse(trimmed, format);
        }
        catch (FormatException e)
        {
            error = ServiceText.Get("Campaign.CronInvalid", e.Message);
            return null;
        }
    }

    /// <summary>The Quartz spelling of a valid expression (what is stored), or null.</summary>
    public static string? Normalize(string? text) => ParseCron(text, out _)?.CronExpressionString;

    /// <summary>The next time the campaign fires after <paramref name="now"/>, or null when it will not fire again.</summary>
    public static DateTimeOffset? NextFire(Campaign campaign, string accountTimeZone, DateTimeOffset now)
    {
        if (!campaign.Enabled)
        {
            return null;
        }
        switch (campaign.Schedule)
        {
            case ScheduleKind.Once:
                return campaign.StartAt is { } at && at > now ? at : null;
            case ScheduleKind.Recurring:
                var cron = ParseCron(campaign.Cron, out _);
                var zone = AccountCalendar.Resolve(campaign.TimeZone) ?? AccountCalendar.Resolve(accountTimeZone);
                if (cron is null || zone is null)
                {
                    return null;
                }
                return cron.WithTimeZone(zone).GetNextValidTimeAfter(now);
            default:
                return null;
        }
    }

    public static string Describe(Campaign campaign, string accountTimeZone) => campaign.Schedule switch
    {
        ScheduleKind.Now => ServiceText.Get("Schedule.Now"),
        ScheduleKind.Once => campaign.StartAt is { } at
            ? ServiceText.Get("Schedule.OnceAt", TimeZoneInfo.ConvertTime(at, AccountCalendar.Resolve(campaign.TimeZone) ?? AccountCalendar.Resolve(accountTimeZone)
                ?? TimeZoneInfo.Utc).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture))
            : ServiceText.Get("Schedule.Once"),
        ScheduleKind.Recurring => ServiceText.Get("Schedule.Cron", campaign.Cron, string.IsNullOrWhiteSpace(campaign.TimeZone) ? accountTimeZone : campaign.TimeZone),
        _ => campaign.Schedule.ToString(),
    };
}
