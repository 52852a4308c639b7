using System.Diagnostics.CodeAnalysis;

namespace PushConsole.WeChat;

/// <summary>A value WeChat answered with, or the classified failure. WeChat's errors are outcomes, not exceptions.</summary>
public sealed class WeChatResult<T> where T : notnull
{
    private WeChatResult(T? value, WeChatError? error)
    {
        Value = value;
        Error = error;
    }

    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Error is null;

    public T? Value { get; }
    public WeChatError? Error { get; }

    public static WeChatResult<T> Success(T value) => new(value, null);
    public static WeChatResult<T> Failure(WeChatError error) => new(default, error);

    public override string ToString() => Succeeded ? $"Ok: {Value}" : Error.ToString();
}
