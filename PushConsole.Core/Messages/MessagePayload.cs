using System.Text.Json;
using System.Text.Json.Serialization;
using PushConsole.Templates;
using PushConsole.WeChat;

namespace PushConsole.Messages;

/// <summary>What a transactional message sends besides the recipient: WeChat's <c>data</c> and the jump targets.</summary>
public sealed record MessagePayload(
    IReadOnlyDictionary<string, TemplateValue> Data,
    string? Page = null,
    string? Url = null,
    MiniProgramLink? MiniProgram = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static MessagePayload FromJson(string json) =>
        JsonSerializer.Deserialize<MessagePayload>(json, Json) ?? throw new InvalidOperationException("The message has no payload.");
}

/// <summary>
/// The engine's view of a transactional message (<see cref="Sending.IRunMessage"/>): the caller's data, sent
/// through the endpoint of the template's kind with the credential the engine claimed.
/// </summary>
internal sealed class TransactionalRunMessage(MessageTemplate template, MessagePayload payload) : Sending.IRunMessage
{
    public TemplateKind Kind => template.Kind;

    public Task<SendOutcome> SendAsync(WeChatClient client, string openId, string? formId, string clientMsgId, CancellationToken cancellationToken) =>
        template.Kind switch
        {
            TemplateKind.Subscribe => client.SendSubscribeAsync(new SubscribeMessage(openId, template.WeChatTemplateId, payload.Data,
                payload.Page, Blank(template.MiniProgramState), Blank(template.Lang)), cancellationToken),
            TemplateKind.OfficialAccountTemplate => client.SendOfficialTemplateAsync(new OfficialTemplateMessage(openId,
                template.WeChatTemplateId, payload.Data, payload.Url, payload.MiniProgram), clientMsgId, cancellationToken),
            TemplateKind.MiniProgramTemplate => client.SendMiniProgramTemplateAsync(new MiniProgramTemplateMessage(openId,
                template.WeChatTemplateId, formId ?? "", payload.Data, payload.Page, Blank(template.EmphasisKeyword)), cancellationToken),
            _ => throw new InvalidOperationException($"Unknown template kind {template.Kind}."),
        };

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
