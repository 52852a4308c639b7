using Microsoft.Extensions.Localization;
using MudBlazor;

namespace PushConsole.Shell;

/// <summary>
/// MudBlazor's own texts (pager, filters, pickers, dialogs) from the console's resources under "Mud.*": MudBlazor
/// keeps its English texts for English and asks this for any other language.
/// </summary>
public sealed class ConsoleMudLocalizer(IStringLocalizer<UiText> texts) : MudLocalizer
{
    public const string Prefix = "Mud.";

    public override LocalizedString this[string key]
    {
        get
        {
            var text = texts[Prefix + key];
            return new LocalizedString(key, text.Value, text.ResourceNotFound);
        }
    }
}
