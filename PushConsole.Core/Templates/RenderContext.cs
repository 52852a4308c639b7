namespace PushConsole.Templates;

/// <summary>
/// What placeholders of a message are filled with. A campaign or channel run makes one with its own values and
/// derives each recipient's with <see cref="For"/>; "now" ({date}, {time}) comes from the renderer's clock.
/// Null members are unknown in this run: their placeholders render empty and say so in the message's issues.
/// </summary>
public readonly record struct RenderContext(
    string? OpenId = null,
    string? CampaignName = null,
    string? ChannelName = null,
    DateTimeOffset? ChannelStartsAt = null)
{
    public RenderContext For(string openId) => this with { OpenId = openId };

    /// <summary>Values for the editor's live preview and the API's preview when the caller gives none.</summary>
    public static RenderContext Sample(DateTimeOffset now) => new(
        "oSample_OpenId_0123456789", "Spring sale", "Live launch", now.AddHours(2));
}
