namespace PushConsole.Campaigns;

public static class CampaignLabels
{
    public static IReadOnlyDictionary<AudienceKind, string> Audiences { get; } = new Dictionary<AudienceKind, string>
    {
        [AudienceKind.UsableCredential] = "All users with a usable credential",
        [AudienceKind.NotActiveToday] = "Users not active today (no check-in since local midnight)",
        [AudienceKind.UploadedList] = "Uploaded list of openids (CSV)",
    };

    public static IReadOnlyDictionary<ScheduleKind, string> Schedules { get; } = new Dictionary<ScheduleKind, string>
    {
        [ScheduleKind.Now] = "Now",
        [ScheduleKind.Once] = "At a date and time",
        [ScheduleKind.Recurring] = "Recurring (cron)",
    };

    public static string Of(AudienceKind audience, int uploaded) => audience switch
    {
        AudienceKind.UsableCredential => "Usable credential",
        AudienceKind.NotActiveToday => "Not active today",
        AudienceKind.UploadedList => $"List of {uploaded:N0}",
        _ => audience.ToString(),
    };
}
