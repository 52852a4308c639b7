using PushConsole.Accounts;

namespace PushConsole.Accounts;

/// <summary>
/// An account's local calendar: its day (for the per-user daily cap and the "active today" audience), its midnight
/// (when WeChat's daily quotas reset for the console's purposes) and its quiet hours.
/// </summary>
public sealed class AccountCalendar
{
    private AccountCalendar(TimeZoneInfo zone, TimeOnly? quietFrom, TimeOnly? quietUntil)
    {
        Zone = zone;
        QuietFrom = quietFrom;
        QuietUntil = quietUntil;
    }

    public TimeZoneInfo Zone { get; }
    public TimeOnly? QuietFrom { get; }
    public TimeOnly? QuietUntil { get; }

    public static AccountCalendar Of(WeChatAccount account) =>
        new(Resolve(account.TimeZone) ?? throw new InvalidOperationException(
            $"The time zone '{account.TimeZone}' of account {account.Name} is unknown."), account.QuietFrom, account.QuietUntil);

    /// <summary>The same calendar without quiet hours, for messages that answer an action of the user at once.</summary>
    public AccountCalendar WithoutQuietHours() => new(Zone, null, null);

    public static TimeZoneInfo? Resolve(string? id) =>
        !string.IsNullOrWhiteSpace(id) && TimeZoneInfo.TryFindSystemTimeZoneById(id.Trim(), out var zone) ? zone : null;

    public DateTimeOffset Local(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, Zone);

    public DateOnly DayOf(DateTimeOffset instant) => DateOnly.FromDateTime(Local(instant).DateTime);

    /// <summary>The instant the local day of <paramref name="instant"/> began.</summary>
    public DateTimeOffset StartOfDay(DateTimeOffset instant) => AtLocal(DayOf(instant), TimeOnly.MinValue);

    public DateTimeOffset NextMidnight(DateTimeOffset instant) => AtLocal(DayOf(instant).AddDays(1), TimeOnly.MinValue);

    /// <summary>
    /// When the quiet window <paramref name="instant"/> falls in ends, or null outside quiet hours. Windows may span
    /// midnight (22:00–08:00); equal bounds mean no quiet hours.
    /// </summary>
    public DateTimeOffset? QuietUntilAfter(DateTimeOffset instant)
    {
        if (QuietFrom is not { } from || QuietUntil is not { } until || from == until)
        {
            return null;
        }
        var local = Local(instant);
        var day = DateOnly.FromDateTime(local.DateTime);
        var time = TimeOnly.FromDateTime(local.DateTime);
        if (from < until)
        {
            return time >= from && time < until ? AtLocal(day, until) : null;
        }
        if (time >= from)
        {
            return AtLocal(day.AddDays(1), until);
        }
        return time < until ? AtLocal(day, until) : null;
    }

    /// <summary>
    /// The instant a local wall-clock time happens, in UTC (PostgreSQL stores only UTC instants); a time skipped by a
    /// DST jump moves forward past the gap.
    /// </summary>
    public DateTimeOffset AtLocal(DateOnly day, TimeOnly time)
    {
        var wall = day.ToDateTime(time, DateTimeKind.Unspecified);
        while (Zone.IsInvalidTime(wall))
        {
            wall = wall.AddMinutes(15);
        }
        return new DateTimeOffset(wall, Zone.GetUtcOffset(wall)).ToUniversalTime();
    }

    public string Describe(DateTimeOffset instant) => $"{Local(instant):yyyy-MM-dd HH:mm} ({Zone.Id})";
}
