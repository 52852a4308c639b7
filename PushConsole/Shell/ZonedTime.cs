using System.Globalization;
using PushConsole.Accounts;
using PushConsole.Channels;

namespace PushConsole.Shell;

/// <summary>
/// Every time the console shows is in a named zone — the account's for account things, UTC for user things (users have
/// no zone) — and says which: "2026-12-08 09:30 (Asia/Shanghai)".
/// </summary>
public static class ZonedTime
{
    public const string Utc = "UTC";

    public static string Format(DateTimeOffset? instant, string? zoneId) => instant is { } value
        ? ChannelTime.Describe(value, AccountCalendar.Resolve(zoneId) is null ? Utc : zoneId!.Trim())
        : "—";

    /// <summary>A duration as the culture writes it: "2 d 03:04:05" / "2 天 03:04:05".</summary>
    public static string Duration(TimeSpan span, string dayUnit)
    {
        var clock = span.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);
        return span.TotalDays >= 1 ? $"{(int)span.TotalDays} {dayUnit} {clock}" : clock;
    }
}
