using System.ComponentModel.DataAnnotations;

namespace PushConsole.Channels;

/// <summary>What an editor (or a live-streaming system through the API) sets on a channel.</summary>
public sealed class ChannelInput
{
    [Required, StringLength(100, MinimumLength = 1)]
    public string Name { get; set; } = "";

    [Range(1, int.MaxValue, ErrorMessage = "Choose the official account (accountId).")]
    public int AccountId { get; set; }

    /// <summary>
    /// When the live starts. Without an offset it is the wall-clock time in <see cref="TimeZone"/>; with one (or as
    /// UTC) it is that instant.
    /// </summary>
    public DateTime StartsAt { get; set; }

    /// <summary>IANA time zone of the start; empty takes the account's.</summary>
    [StringLength(64)]
    public string? TimeZone { get; set; }

    /// <summary>The official account template the reminder sends.</summary>
    public int? TemplateId { get; set; }

    /// <summary>Value per template field key; fields left out take the template's own value expression.</summary>
    public Dictionary<string, string>? Fields { get; set; }

    [Url, StringLength(1000)]
    public string? Url { get; set; }

    [StringLength(64)]
    public string? MiniProgramAppId { get; set; }

    [StringLength(500)]
    public string? MiniProgramPagePath { get; set; }

    public bool ReminderEnabled { get; set; }

    [Range(1, 1440, ErrorMessage = "Minutes ahead (reminderMinutesAhead) is between 1 and 1440.")]
    public int ReminderMinutesAhead { get; set; } = 30;

    /// <summary>The version the caller edited; a save over a newer version is refused. Null skips the check.</summary>
    public int? Version { get; set; }

    public static ChannelInput From(Channel c) => new()
    {
        Name = c.Name,
        AccountId = c.AccountId,
        StartsAt = ChannelTime.LocalStart(c.StartsAt, c.TimeZone),
        TimeZone = c.TimeZone,
        TemplateId = c.TemplateId,
        Fields = c.Fields.ToDictionary(f => f.Key, f => f.Value),
        Url = c.Url,
        MiniProgramAppId = c.MiniProgramAppId,
        MiniProgramPagePath = c.MiniProgramPagePath,
        ReminderEnabled = c.ReminderEnabled,
        ReminderMinutesAhead = c.ReminderMinutesAhead,
        Version = c.Version,
    };
}

/// <summary>Conversions between a channel's stored instant and wall-clock times in its time zone.</summary>
public static class ChannelTime
{
    public static TimeZoneInfo? Zone(string? id) =>
        !string.IsNullOrWhiteSpace(id) && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : null;

    /// <summary>The instant of a start as the input gives it (see <see cref="ChannelInput.StartsAt"/>).</summary>
    public static DateTimeOffset Instant(DateTime startsAt, TimeZoneInfo zone)
    {
        if (startsAt.Kind != DateTimeKind.Unspecified)
        {
            return new DateTimeOffset(startsAt.ToUniversalTime(), TimeSpan.Zero);
        }
        // A wall-clock time skipped by a daylight-saving jump has no instant; take the one just after the gap.
        var local = startsAt;
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(1);
        }
        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, zone), TimeSpan.Zero);
    }

    /// <summary>The instant with the offset its time zone has then, e.g. 2026-11-22T20:00+08:00.</summary>
    public static DateTimeOffset InZone(DateTimeOffset instant, string timeZone) =>
        Zone(timeZone) is { } zone ? TimeZoneInfo.ConvertTime(instant, zone) : instant;

    /// <summary>For people: "2026-11-22 20:00 (Asia/Shanghai)".</summary>
    public static string Describe(DateTimeOffset instant, string timeZone) =>
        $"{InZone(instant, timeZone):yyyy-MM-dd HH:mm} ({timeZone})";

    public static DateTime LocalStart(DateTimeOffset instant, string timeZone) =>
        DateTime.SpecifyKind(InZone(instant, timeZone).DateTime, DateTimeKind.Unspecified);
}
