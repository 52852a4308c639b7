using Microsoft.Extensions.Localization;
using PushConsole.Shell;

namespace PushConsole.Channels;

/// <summary>Small pieces of text the channel screens share.</summary>
public static class ChannelScreens
{
    /// <summary>Time left until the reminder goes out, while it is waiting; empty otherwise.</summary>
    public static string Countdown(IStringLocalizer texts, Channel channel, DateTimeOffset now)
    {
        if (!channel.ReminderEnabled || channel.ReminderStatus != ReminderStatus.NotNotified)
        {
            return "";
        }
        var left = channel.RemindAt - now;
        return left <= TimeSpan.Zero
            ? texts["Channel.ReminderDue"]
            : texts["Channel.ReminderIn", ZonedTime.Duration(left, texts["Common.DayUnit"])];
    }
}
