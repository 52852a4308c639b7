using System.Globalization;

namespace PushConsole.Shell;

/// <summary>An instant already in its zone's offset (as the services return schedule times), shown with that offset named.</summary>
public static class OffsetTime
{
    public static string Format(DateTimeOffset? instant) => instant is { } at
        ? $"{at.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} (UTC{(at.Offset < TimeSpan.Zero ? "-" : "+")}{at.Offset:hh\\:mm})"
        : "—";
}
