using System.Diagnostics.CodeAnalysis;

namespace PushConsole.WeChat;

/// <summary>The result of one message send: success (with WeChat's msgid where it gives one) or a classified failure.</summary>
public sealed class SendOutcome
{
    private static readonly SendOutcome SuccessWithoutMsgId = new(null, null);

    private SendOutcome(long? msgId, WeChatError? error)
    {
        MsgId = msgId;
        Error = error;
    }

    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Error is null;

    /// <summary>WeChat's message id (official account template sends; other sends usually have none).</summary>
    public long? MsgId { get; }

    public WeChatError? Error { get; }

    public WeChatErrorKind? Kind => Error?.Kind;
    public bool IsRetryable => Error?.IsRetryable ?? false;
    public bool IsPermanent => Error?.IsPermanent ?? false;

    public static SendOutcome Success(long? msgId = null) => msgId is null ? SuccessWithoutMsgId : new SendOutcome(msgId, null);
    public static SendOutcome Failure(WeChatError error) => new(null, error);

    public override string ToString() => Succeeded ? $"Sent (msgid {MsgId?.ToString() ?? "none"})" : Error.ToString();
}
