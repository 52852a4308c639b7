using Microsoft.EntityFrameworkCore;
using PushConsole.Persistence;
using PushConsole.Templates;
using PushConsole.WeChat;

namespace PushConsole.Channels.Broadcasts;

/// <summary>The broadcast gateway over the account's WeChat client (token, rate limit and quick retries live there).</summary>
internal sealed class WeChatBroadcastGateway(WeChatClient client, ReminderMessage message) : IBroadcastGateway
{
    public Task<WeChatResult<FollowerPage>> GetFollowersAsync(string? nextOpenId, CancellationToken cancellationToken) =>
        client.GetFollowersAsync(nextOpenId, cancellationToken);

    public Task<SendOutcome> SendAsync(string openId, string clientMsgId, CancellationToken cancellationToken) =>
        client.SendOfficialTemplateAsync(message.For(openId), clientMsgId, cancellationToken);
}

internal sealed class WeChatBroadcastGatewayFactory(IDbContextFactory<PushConsoleDbContext> contexts, IWeChatClientFactory clients,
    TemplateRenderer renderer)
    : IBroadcastGatewayFactory
{
    public async Task<(IBroadcastGateway? Gateway, string? Problem)> CreateAsync(Channel channel, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (await ReminderGate.CheckAsync(db, channel.AccountId, channel.TemplateId, cancellationToken) is { } problem)
        {
            return (null, problem);
        }
        var account = await db.Accounts.AsNoTracking().SingleAsync(a => a.Id == channel.AccountId, cancellationToken);
        var template = await db.Templates.AsNoTracking().SingleAsync(t => t.Id == channel.TemplateId, cancellationToken);
        var (message, problem2) = ReminderMessage.Prepare(renderer, channel, template);
        return message is null ? (null, problem2) : (new WeChatBroadcastGateway(clients.For(account), message), null);
    }
}
