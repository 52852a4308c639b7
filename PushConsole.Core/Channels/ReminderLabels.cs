namespace PushConsole.Channels;

/// <summary>A reminder's status in words, in the reader's language (the API's StatusLabel, the services' refusals).</summary>
public static class ReminderLabels
{
    public static string Of(ReminderStatus status) => ServiceText.Get($"ReminderStatus.{status}");
}
