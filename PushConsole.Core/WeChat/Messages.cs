using System.Text.Json.Serialization;

namespace PushConsole.WeChat;

/// <summary>One field value of a template message: <c>{"value": "...", "color": "#173177"}</c>.</summary>
public sealed record TemplateValue(
    [property: JsonPropertyName("value")] string Value,
    // Honoured by legacy mini program templates only; WeChat ignores colours on official account messages since 2023.
    [property: JsonPropertyName("color")] string? Color = null);

/// <summary>A mini program legacy template message (cgi-bin/message/wxopen/template/send), sent with a formId or prepay_id.</summary>
public sealed record MiniProgramTemplateMessage(
    string ToUser,
    string TemplateId,
    string FormId,
    IReadOnlyDictionary<string, TemplateValue> Data,
    string? Page = null,
    string? EmphasisKeyword = null);

/// <summary>A mini program subscribe message (cgi-bin/message/subscribe/send), spending one grant of the user.</summary>
public sealed record SubscribeMessage(
    string ToUser,
    string TemplateId,
    IReadOnlyDictionary<string, TemplateValue> Data,
    string? Page = null,
    // developer, trial or formal (WeChat's default): which build opens on tap.
    string? MiniProgramState = null,
    // zh_CN (WeChat's default), en_US, zh_HK or zh_TW.
    string? Lang = null);

/// <summary>The mini program an official account template message opens on tap.</summary>
public sealed record MiniProgramLink(string AppId, string PagePath);

/// <summary>An official account template message (cgi-bin/message/template/send) to a follower.</summary>
public sealed record OfficialTemplateMessage(
    string ToUser,
    string TemplateId,
    IReadOnlyDictionary<string, TemplateValue> Data,
    string? Url = null,
    MiniProgramLink? MiniProgram = null);
