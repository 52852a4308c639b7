using PushConsole.Accounts;
using PushConsole.Templates;
using PushConsole.WeChat;

namespace PushConsole.Sending;

/// <summary>
/// A run's message from the template renderer: compiled once per run, rendered per recipient (placeholders such as
/// {user.openid}, {date} in the account's time zone, {campaign.name}). A message the renderer finds WeChat would
/// refuse is not sent: its row fails with the errcode WeChat would give (47003).
/// </summary>
internal sealed class TemplateRunMessageFactory(TemplateRenderer renderer) : IRunMessageFactory
{
    public (IRunMessage? Message, string? Error) Prepare(MessageTemplate template, WeChatAccount account, string campaignName)
    {
        if (!template.Enabled)
        {
            return (null, ServiceText.Stored("Run.TemplateDisabled", template.Title));
        }
        var compiled = renderer.Compile(template, account);
        if (!compiled.IsValid)
        {
            return (null, ServiceText.Stored("Run.TemplateUnrenderable", string.Join("; ", compiled.Issues.Where(i => i.IsError).Select(i => i.Message))));
        }
        return (new Message(compiled, new RenderContext(CampaignName: campaignName)), null);
    }

    private sealed class Message(CompiledTemplate template, RenderContext context) : IRunMessage
    {
        public TemplateKind Kind => template.Kind;

        public Task<SendOutcome> SendAsync(WeChatClient client, string openId, string? formId, string clientMsgId, CancellationToken cancellationToken)
        {
            var rendered = template.Render(context.For(openId));
            if (rendered.HasErrors)
            {
                var issue = rendered.Issues.First(i => i.IsError);
                return Task.FromResult(SendOutcome.Failure(new WeChatError(WeChatErrorKind.BadData, issue.ErrCode ?? 47003,
                    $"not sent: {issue.Message}", issue.Key)));
            }
            return rendered.SendAsync(client, formId, clientMsgId, cancellationToken);
        }
    }
}
