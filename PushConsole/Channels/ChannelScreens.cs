namespace PushConsole.Channels;

/// <summary>Small pieces of text the channel screens share.</summary>
public static class ChannelScreens
{
    /// <summary>Time left until the reminder goes out, while it is waiting; empty otherwise.</summary>
    public static string Countdown(Channel channel, DateTimeOffset now)
    {
        if (!channel.ReminderEnabled || channel.ReminderStatus != ReminderStatus.NotNotified)
        {
            return "";
        }
        var left = channel.RemindAt - now;
        if (left <= TimeSpan.Zero)
        {
            return "reminder due";
        }
        var clock = left.TotalDays >= 1 ? $"{(int)left.TotalDays}d {left:hh\\:mm\\:ss}" : left.ToString(@"hh\:mm\:ss");
        return $"reminder in {clock}";
    }
}
