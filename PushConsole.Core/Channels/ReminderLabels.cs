namespace PushConsole.Channels;

public static class ReminderLabels
{
    public static string Of(ReminderStatus status) => status switch
    {
        ReminderStatus.NotNotified => "Not notified",
        ReminderStatus.Notifying => "Notifying",
        ReminderStatus.Notified => "Notified",
        ReminderStatus.Failed => "Failed",
        ReminderStatus.Missed => "Missed",
        ReminderStatus.Canceled => "Canceled",
        _ => status.ToString(),
    };
}
