namespace PushConsole.Shell;

/// <summary>
/// The console's texts: UiText.resx (English) and UiText.zh-CN.resx (Chinese), read through
/// <c>IStringLocalizer&lt;UiText&gt;</c> (every component has it as <c>L</c>).
/// </summary>
public sealed class UiText;
