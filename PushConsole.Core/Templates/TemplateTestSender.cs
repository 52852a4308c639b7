using Microsoft.EntityFrameworkCore;
using PushConsole.Persistence;
using PushConsole.WeChat;

namespace PushConsole.Templates;

/// <summary>A test send of a template to one openid, with sample values for the run placeholders.</summary>
public sealed record TestSendRequest(
    string OpenId,
    // Legacy mini program template messages: the recipient's formId or prepay_id.
    string? FormId = null,
    // Send even when local validation expects WeChat to refuse, to see WeChat's own answer.
    bool SendAnyway = false,
    string? CampaignName = null,
    string? ChannelName = null,
    DateTimeOffset? ChannelStartsAt = null);

/// <summary>
/// What happened: WeChat's answer (errcode, errmsg, msgid) when the message went out, or the local issues that kept it
/// back. <see cref="Data"/> is the data object that was (or would have been) sent.
/// </summary>
public sealed record TestSendResult(
    bool Attempted,
    bool Succeeded,
    int? ErrCode,
    string? ErrMsg,
    long? MsgId,
    IReadOnlyList<FieldIssue> Issues,
    IReadOnlyDictionary<string, TemplateValue> Data)
{
    public static TestSendResult NotSent(string reason) => new(false, false, null, reason, null, [], new Dictionary<string, TemplateValue>());
}

/// <summary>Renders a template for one openid and sends it through the account's WeChat client.</summary>
public sealed class TemplateTestSender(IDbContextFactory<PushConsoleDbContext> contexts, IWeChatClientFactory clients, TemplateRenderer renderer, TimeProvider time)
{
    public async Task<TestSendResult> SendAsync(int templateId, TestSendRequest request, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(request.OpenId))
        {
            return TestSendResult.NotSent(ServiceText.Get("Template.TestOpenIdRequired"));
        }
        MessageTemplate? template;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            template = await db.Templates.AsNoTracking().Include(t => t.Account).SingleOrDefaultAsync(t => t.Id == templateId, cancellationToken);
        }
        if (template?.Account is null)
        {
            return TestSendResult.NotSent(ServiceText.Get("Template.Missing"));
        }
        if (template.Kind == TemplateKind.MiniProgramTemplate && string.IsNullOrWhiteSpace(request.FormId))
        {
            return TestSendResult.NotSent("A mini program template message needs the recipient's formId or prepay_id.");
        }
        var sample = RenderContext.Sample(time.GetUtcNow());
        var context = new RenderContext(request.OpenId.Trim(), request.CampaignName ?? sample.CampaignName,
            request.ChannelName ?? sample.ChannelName, request.ChannelStartsAt ?? sample.ChannelStartsAt);
        var message = renderer.Compile(template, template.Account).Render(context);
        if (message.HasErrors && !request.SendAnyway)
        {
            var first = message.Issues.First(i => i.IsError);
            return new TestSendResult(false, false, first.ErrCode, first.Message, null, message.Issues, message.Data);
        }
        var outcome = await message.SendAsync(clients.For(template.Account), request.FormId?.Trim(), clientMsgId: null, cancellationToken);
        return outcome.Succeeded
            ? new TestSendResult(true, true, 0, "ok", outcome.MsgId, message.Issues, message.Data)
            : new TestSendResult(true, false, outcome.Error.ErrCode, outcome.Error.ErrMsg, null, message.Issues, message.Data);
    }
}
