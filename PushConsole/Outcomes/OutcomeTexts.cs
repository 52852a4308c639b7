using Microsoft.Extensions.Localization;
using PushConsole.Campaigns;
using PushConsole.Channels;
using PushConsole.Ledger;

namespace PushConsole.Outcomes;

/// <summary>Statuses and WeChat errcodes in the reader's language; an errcode always comes with what it means.</summary>
public static class OutcomeTexts
{
    /// <summary>The errcode's meaning in the page's language; the texts are the services' (the CSV and the API say the same).</summary>
    public static string Meaning(this IStringLocalizer texts, int? errCode) => ErrorCodeMeanings.Of(errCode);

    /// <summary>"43004 (recipient does not follow the official account)".</summary>
    public static string WithMeaning(this IStringLocalizer texts, int? errCode) =>
        errCode is { } code ? $"{code} ({texts.Meaning(code)})" : "—";

    public static string Of(this IStringLocalizer texts, RunStatus status) => texts[$"RunStatus.{status}"];

    public static string Of(this IStringLocalizer texts, DeliveryStatus status) => texts[$"DeliveryStatus.{status}"];

    public static string Of(this IStringLocalizer texts, ReminderStatus status) => texts[$"ReminderStatus.{status}"];

    public static string Of(this IStringLocalizer texts, OutcomeCategory category) => texts[$"OutcomeCategory.{category}"];

    public static string Of(this IStringLocalizer texts, SkipReason reason) => texts[$"SkipReason.{reason}"];
}
