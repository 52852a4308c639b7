using System.Globalization;
using System.Text.RegularExpressions;
using PushConsole.Templates;
using PushConsole.WeChat;

namespace PushConsole.Channels.Broadcasts;

/// <summary>
/// The reminder of one channel occurrence, composed once per broadcast: the template's data with the channel's field
/// values, {channel.name} and {channel.startsAt[:format]} filled in (the start in the channel's time zone). Only a
/// value using {user.openid} differs per follower.
/// </summary>
public sealed partial class ReminderMessage
{
    private readonly string templateId;
    private readonly IReadOnlyDictionary<string, TemplateValue> shared;
    private readonly IReadOnlyDictionary<string, string> perUser;
    private readonly string? url;
    private readonly MiniProgramLink? miniProgram;

    private ReminderMessage(string templateId, IReadOnlyDictionary<string, TemplateValue> shared,
        IReadOnlyDictionary<string, string> perUser, string? url, MiniProgramLink? miniProgram)
    {
        this.templateId = templateId;
        this.shared = shared;
        this.perUser = perUser;
        this.url = url;
        this.miniProgram = miniProgram;
    }

    public IReadOnlyDictionary<string, TemplateValue> Data => shared;

    public static ReminderMessage Compose(Channel channel, MessageTemplate template)
    {
        var keys = template.Fields.Count > 0
            ? template.Fields.Select(f => f.Key).ToList()
            : PlaceholderPattern().Matches(template.Content).Select(m => m.Groups[1].Value).Distinct().ToList();
        var shared = new Dictionary<string, TemplateValue>(StringComparer.Ordinal);
        var perUser = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            var expression = channel.Fields.FirstOrDefault(f => f.Key == key)?.Value
                ?? template.Fields.FirstOrDefault(f => f.Key == key)?.ValueExpression ?? "";
            var value = Fill(expression, channel);
            if (value.Contains(UserOpenId, StringComparison.Ordinal))
            {
                perUser[key] = value;
            }
            else
            {
                shared[key] = new TemplateValue(value);
            }
        }
        var link = !string.IsNullOrWhiteSpace(channel.MiniProgramAppId)
            ? new MiniProgramLink(channel.MiniProgramAppId, channel.MiniProgramPagePath ?? "")
            : !string.IsNullOrWhiteSpace(template.MiniProgramAppId)
                ? new MiniProgramLink(template.MiniProgramAppId, template.MiniProgramPagePath ?? "")
                : null;
        var url = string.IsNullOrWhiteSpace(channel.Url) ? template.Url : channel.Url;
        return new ReminderMessage(template.WeChatTemplateId, shared, perUser, string.IsNullOrWhiteSpace(url) ? null : url, link);
    }

    public OfficialTemplateMessage For(string openId)
    {
        if (perUser.Count == 0)
        {
            return new OfficialTemplateMessage(openId, templateId, shared, url, miniProgram);
        }
        var data = new Dictionary<string, TemplateValue>(shared, StringComparer.Ordinal);
        foreach (var (key, value) in perUser)
        {
            data[key] = new TemplateValue(value.Replace(UserOpenId, openId, StringComparison.Ordinal));
        }
        return new OfficialTemplateMessage(openId, templateId, data, url, miniProgram);
    }

    private const string UserOpenId = "{user.openid}";

    private static string Fill(string expression, Channel channel) =>
        ChannelPlaceholder().Replace(expression, m => m.Groups["name"].Value switch
        {
            "name" => channel.Name,
            _ => ChannelTime.InZone(channel.StartsAt, channel.TimeZone).ToString(
                m.Groups["format"].Success ? m.Groups["format"].Value : "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
        });

    [GeneratedRegex(@"\{channel\.(?<name>name|startsAt)(:(?<format>[^}]+))?\}")]
    private static partial Regex ChannelPlaceholder();

    [GeneratedRegex(@"\{\{\s*([A-Za-z_]+[0-9]*)\.DATA\s*\}\}")]
    private static partial Regex PlaceholderPattern();
}
