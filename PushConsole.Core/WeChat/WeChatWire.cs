using System.Text.Json.Serialization;

namespace PushConsole.WeChat;

// The JSON WeChat sends and receives, kept apart from the public types so WeChat's field names stay here.
// A missing errcode means success (token and login replies omit it).

internal class WeChatReply
{
    [JsonPropertyName("errcode")] public int ErrCode { get; set; }
    [JsonPropertyName("errmsg")] public string? ErrMsg { get; set; }
}

internal sealed class TokenReply : WeChatReply
{
    [JsonPropertyName("access_token")] public string? AccessToken { get; set; }
    [JsonPropertyName("expires_in")] public int ExpiresIn { get; set; }
}

internal sealed class SessionReply : WeChatReply
{
    [JsonPropertyName("openid")] public string? OpenId { get; set; }
    [JsonPropertyName("session_key")] public string? SessionKey { get; set; }
    [JsonPropertyName("unionid")] public string? UnionId { get; set; }
}

internal sealed class SendReply : WeChatReply
{
    [JsonPropertyName("msgid")] public long? MsgId { get; set; }
}

internal sealed class FollowersReply : WeChatReply
{
    [JsonPropertyName("total")] public long Total { get; set; }
    [JsonPropertyName("count")] public int Count { get; set; }
    [JsonPropertyName("data")] public FollowerIds? Data { get; set; }
    [JsonPropertyName("next_openid")] public string? NextOpenId { get; set; }

    internal sealed class FollowerIds
    {
        [JsonPropertyName("openid")] public List<string>? OpenIds { get; set; }
    }
}

internal sealed class SubscribeTemplatesReply : WeChatReply
{
    [JsonPropertyName("data")] public List<SubscribeTemplateItem>? Data { get; set; }

    internal sealed class SubscribeTemplateItem
    {
        [JsonPropertyName("priTmplId")] public string TemplateId { get; set; } = "";
        [JsonPropertyName("title")] public string Title { get; set; } = "";
        [JsonPropertyName("content")] public string Content { get; set; } = "";
        [JsonPropertyName("example")] public string? Example { get; set; }
        [JsonPropertyName("type")] public int Type { get; set; }
        [JsonPropertyName("keywordEnumValueList")] public List<KeywordEnumValues>? KeywordEnumValueList { get; set; }
    }

    internal sealed class KeywordEnumValues
    {
        [JsonPropertyName("keywordCode")] public string KeywordCode { get; set; } = "";
        [JsonPropertyName("enumValueList")] public List<string>? EnumValueList { get; set; }
    }
}

internal sealed class LegacyTemplatesReply : WeChatReply
{
    [JsonPropertyName("list")] public List<LegacyTemplateItem>? List { get; set; }

    internal sealed class LegacyTemplateItem
    {
        [JsonPropertyName("template_id")] public string TemplateId { get; set; } = "";
        [JsonPropertyName("title")] public string Title { get; set; } = "";
        [JsonPropertyName("content")] public string Content { get; set; } = "";
        [JsonPropertyName("example")] public string? Example { get; set; }
    }
}

internal sealed class PrivateTemplatesReply : WeChatReply
{
    [JsonPropertyName("template_list")] public List<PrivateTemplateItem>? TemplateList { get; set; }

    internal sealed class PrivateTemplateItem
    {
        [JsonPropertyName("template_id")] public string TemplateId { get; set; } = "";
        [JsonPropertyName("title")] public string Title { get; set; } = "";
        [JsonPropertyName("content")] public string Content { get; set; } = "";
        [JsonPropertyName("example")] public string? Example { get; set; }
    }
}

internal sealed record StableTokenBody(
    [property: JsonPropertyName("appid")] string AppId,
    [property: JsonPropertyName("secret")] string Secret,
    [property: JsonPropertyName("force_refresh")] bool ForceRefresh)
{
    [JsonPropertyName("grant_type")] public string GrantType => "client_credential";
}

internal sealed record MiniProgramTemplateBody(
    [property: JsonPropertyName("touser")] string ToUser,
    [property: JsonPropertyName("template_id")] string TemplateId,
    [property: JsonPropertyName("page")] string? Page,
    [property: JsonPropertyName("form_id")] string FormId,
    [property: JsonPropertyName("data")] IReadOnlyDictionary<string, TemplateValue> Data,
    [property: JsonPropertyName("emphasis_keyword")] string? EmphasisKeyword);

internal sealed record SubscribeBody(
    [property: JsonPropertyName("touser")] string ToUser,
    [property: JsonPropertyName("template_id")] string TemplateId,
    [property: JsonPropertyName("page")] string? Page,
    [property: JsonPropertyName("data")] IReadOnlyDictionary<string, TemplateValue> Data,
    [property: JsonPropertyName("miniprogram_state")] string? MiniProgramState,
    [property: JsonPropertyName("lang")] string? Lang);

internal sealed record OfficialTemplateBody(
    [property: JsonPropertyName("touser")] string ToUser,
    [property: JsonPropertyName("template_id")] string TemplateId,
    [property: JsonPropertyName("url")] string? Url,
    [property: JsonPropertyName("miniprogram")] MiniProgramBody? MiniProgram,
    [property: JsonPropertyName("data")] IReadOnlyDictionary<string, TemplateValue> Data,
    [property: JsonPropertyName("client_msg_id")] string? ClientMsgId);

internal sealed record MiniProgramBody(
    [property: JsonPropertyName("appid")] string AppId,
    [property: JsonPropertyName("pagepath")] string PagePath);

internal sealed record LegacyTemplateListBody(
    [property: JsonPropertyName("offset")] int Offset,
    [property: JsonPropertyName("count")] int Count);

// Source-generated (de)serialisers keep the send path free of reflection.
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(TokenReply))]
[JsonSerializable(typeof(SessionReply))]
[JsonSerializable(typeof(SendReply))]
[JsonSerializable(typeof(FollowersReply))]
[JsonSerializable(typeof(SubscribeTemplatesReply))]
[JsonSerializable(typeof(LegacyTemplatesReply))]
[JsonSerializable(typeof(PrivateTemplatesReply))]
[JsonSerializable(typeof(StableTokenBody))]
[JsonSerializable(typeof(MiniProgramTemplateBody))]
[JsonSerializable(typeof(SubscribeBody))]
[JsonSerializable(typeof(OfficialTemplateBody))]
[JsonSerializable(typeof(LegacyTemplateListBody))]
internal sealed partial class WeChatJsonContext : JsonSerializerContext;
