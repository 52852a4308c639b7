using PushConsole.Accounts;

namespace PushConsole.Templates;

/// <summary>
/// Renders templates. Compile a template once per run (parses every value expression, resolves the account's time
/// zone, checks static values once), then render per recipient with <see cref="CompiledTemplate.Render"/>.
/// </summary>
public sealed class TemplateRenderer(TimeProvider time)
{
    /// <summary>Compiles for the account's time zone ({date}, {time} and {channel.startsAt} are local to it).</summary>
    public CompiledTemplate Compile(MessageTemplate template, WeChatAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        if (TimeZoneInfo.TryFindSystemTimeZoneById(account.TimeZone, out var zone))
        {
            return Compile(template, zone);
        }
        var issue = new FieldIssue(null, IssueSeverity.Error, null, ServiceText.Get("Account.UnknownZone", account.TimeZone));
        return new CompiledTemplate(template, TimeZoneInfo.Utc, time, [issue]);
    }

    public CompiledTemplate Compile(MessageTemplate template, TimeZoneInfo timeZone)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(timeZone);
        return new CompiledTemplate(template, timeZone, time, []);
    }
}
