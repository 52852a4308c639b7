using PushConsole.Accounts;
using PushConsole.Templates;
using PushConsole.WeChat;

namespace PushConsole.Campaigns;

/// <summary>
/// Stand-in until the template renderer (templates branch) is merged: sends each field's value expression as
/// written, without placeholders filled in. Replaced by the renderer-backed factory on merge.
/// </summary>
internal sealed class InterimRunMessageFactory : IRunMessageFactory
{
    public (IRunMessage? Message, string? Error) Prepare(MessageTemplate template, WeChatAccount account, string campaignName)
    {
        if (!template.Enabled)
        {
            return (null, $"The template {template.Title} is disabled.");
        }
        var data = template.Fields.ToDictionary(f => f.Key, f => new TemplateValue(f.ValueExpression,
            template.Kind == TemplateKind.Subscribe ? null : f.Color));
        return (new Message(template, data), null);
    }

    private sealed class Message(MessageTemplate template, IReadOnlyDictionary<string, TemplateValue> data) : IRunMessage
    {
        public TemplateKind Kind => template.Kind;

        public Task<SendOutcome> SendAsync(WeChatClient client, string openId, string? formId, string clientMsgId, CancellationToken cancellationToken) =>
            template.Kind switch
            {
                TemplateKind.Subscribe => client.SendSubscribeAsync(new SubscribeMessage(openId, template.WeChatTemplateId, data, template.Page), cancellationToken),
                TemplateKind.OfficialAccountTemplate => client.SendOfficialTemplateAsync(new OfficialTemplateMessage(openId, template.WeChatTemplateId, data,
                    template.Url, template.MiniProgramAppId is { Length: > 0 } appId ? new MiniProgramLink(appId, template.MiniProgramPagePath ?? "") : null),
                    clientMsgId, cancellationToken),
                _ => client.SendMiniProgramTemplateAsync(new MiniProgramTemplateMessage(openId, template.WeChatTemplateId, formId ?? "", data,
                    template.Page, template.EmphasisKeyword), cancellationToken),
            };
    }
}
