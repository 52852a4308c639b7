namespace PushConsole.Templates;

public enum IssueSeverity
{
    /// <summary>WeChat would refuse the message (or the template cannot be rendered).</summary>
    Error = 1,
    /// <summary>WeChat accepts the message but shows it differently than written (e.g. truncates it).</summary>
    Warning = 2,
}

/// <summary>
/// Something wrong with a rendered value, found locally before sending. For errors WeChat would give,
/// <see cref="ErrCode"/> and <see cref="Message"/> are what WeChat answers (<c>47003</c>,
/// <c>argument invalid! data.thing1.value invalid</c>); <see cref="Hint"/> says why in words.
/// </summary>
public sealed record FieldIssue(string? Key, IssueSeverity Severity, int? ErrCode, string Message, string? Hint = null)
{
    public bool IsError => Severity == IssueSeverity.Error;

    public override string ToString() => ErrCode is { } code
        ? $"{code} {Message}{(Hint is null ? "" : $" ({Hint})")}"
        : $"{Message}{(Hint is null ? "" : $" ({Hint})")}";
}
