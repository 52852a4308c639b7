using PushConsole.Accounts;
using PushConsole.Templates;
using PushConsole.WeChat;

namespace PushConsole.Sending;

/// <summary>The message of a run, ready to be sent to each recipient.</summary>
public interface IRunMessage
{
    TemplateKind Kind { get; }

    /// <summary>
    /// Renders and sends to one recipient. <paramref name="formId"/> is the claimed formId/prepay_id (legacy mini program
    /// templates); <paramref name="clientMsgId"/> makes official account sends idempotent at WeChat.
    /// </summary>
    Task<SendOutcome> SendAsync(WeChatClient client, string openId, string? formId, string clientMsgId, CancellationToken cancellationToken);
}

/// <summary>Prepares a run's message once (parsing and checking the template), or says why it cannot be sent.</summary>
public interface IRunMessageFactory
{
    (IRunMessage? Message, string? Error) Prepare(MessageTemplate template, WeChatAccount account, string campaignName);
}
