using Microsoft.Extensions.Localization;

namespace PushConsole.Campaigns;

/// <summary>A campaign's audience and schedule in the reader's language.</summary>
public static class CampaignTexts
{
    public static string Audience(IStringLocalizer texts, AudienceKind audience, int uploaded) => audience == AudienceKind.UploadedList
        ? texts["AudienceKind.UploadedListOf", uploaded.ToString("N0")]
        : texts[$"AudienceKind.{audience}"];
}
