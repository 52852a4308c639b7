using PushConsole.WeChat;

namespace PushConsole.Channels.Broadcasts;

/// <summary>What a broadcast needs from WeChat: the account's followers page by page, and one send per follower.</summary>
public interface IBroadcastGateway
{
    /// <summary>One page of followers after <paramref name="nextOpenId"/> (from the start when null).</summary>
    Task<WeChatResult<FollowerPage>> GetFollowersAsync(string? nextOpenId, CancellationToken cancellationToken);

    /// <summary>Sends the reminder to one follower; WeChat delivers one message per (openid, client_msg_id).</summary>
    Task<SendOutcome> SendAsync(string openId, string clientMsgId, CancellationToken cancellationToken);
}

/// <summary>Makes the gateway of a channel's broadcast, or says why it cannot.</summary>
public interface IBroadcastGatewayFactory
{
    Task<(IBroadcastGateway? Gateway, string? Problem)> CreateAsync(Channel channel, CancellationToken cancellationToken);
}
