using PushConsole.WeChat;

namespace PushConsole.Templates;

/// <summary>
/// A template rendered for one recipient: the <c>data</c> object and jump targets of WeChat's send body, and what
/// local validation found. Turn it into the WeChat client's message with the To…Message methods, or send it with
/// <see cref="SendAsync"/>.
/// </summary>
public sealed class RenderedMessage
{
    internal RenderedMessage(CompiledTemplate template, string? toUser, IReadOnlyDictionary<string, TemplateValue> data,
        IReadOnlyList<FieldIssue> issues)
    {
        Template = template;
        ToUser = toUser;
        Data = data;
        Issues = issues;
    }

    internal CompiledTemplate Template { get; }
    public TemplateKind Kind => Template.Kind;
    public string TemplateId => Template.WeChatTemplateId;
    public string? ToUser { get; }
    /// <summary>WeChat's <c>data</c>: each key with its value (and colour for kinds that take one).</summary>
    public IReadOnlyDictionary<string, TemplateValue> Data { get; }
    public string? Page => Template.Page;
    public string? Url => Template.Url;
    public MiniProgramLink? MiniProgram => Template.MiniProgram;
    public string? EmphasisKeyword => Template.EmphasisKeyword;
    public string? MiniProgramState => Template.MiniProgramState;
    public string? Lang => Template.Lang;
    /// <summary>Problems of this message: the template's own (unknown placeholders) and its values' (47003, truncation).</summary>
    public IReadOnlyList<FieldIssue> Issues { get; }
    /// <summary>WeChat would refuse this message (or it could not be rendered as written): do not send it.</summary>
    public bool HasErrors => Issues.Count > 0 && Issues.Any(i => i.IsError);

    public SubscribeMessage ToSubscribeMessage() =>
        new(RequireUser(), TemplateId, Data, Page, MiniProgramState, Lang);

    public OfficialTemplateMessage ToOfficialTemplateMessage() =>
        new(RequireUser(), TemplateId, Data, Url, MiniProgram);

    public MiniProgramTemplateMessage ToMiniProgramTemplateMessage(string formId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(formId);
        return new(RequireUser(), TemplateId, formId, Data, Page, EmphasisKeyword);
    }

    /// <summary>
    /// Sends through the endpoint of the template's kind. Legacy mini program messages need the recipient's
    /// <paramref name="formId"/> (or prepay_id); official account messages may carry a <paramref name="clientMsgId"/>
    /// so a retry cannot deliver twice. Does not look at <see cref="Issues"/>: check <see cref="HasErrors"/> first.
    /// </summary>
    public Task<SendOutcome> SendAsync(WeChatClient client, string? formId = null, string? clientMsgId = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        return Kind switch
        {
            TemplateKind.Subscribe => client.SendSubscribeAsync(ToSubscribeMessage(), cancellationToken),
            TemplateKind.OfficialAccountTemplate => client.SendOfficialTemplateAsync(ToOfficialTemplateMessage(), clientMsgId, cancellationToken),
            TemplateKind.MiniProgramTemplate => client.SendMiniProgramTemplateAsync(ToMiniProgramTemplateMessage(formId ?? ""), cancellationToken),
            _ => throw new InvalidOperationException($"Unknown template kind {Kind}."),
        };
    }

    private string RequireUser() => string.IsNullOrEmpty(ToUser)
        ? throw new InvalidOperationException("The message was rendered without a recipient openid (RenderContext.OpenId).")
        : ToUser;
}
