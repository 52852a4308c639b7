using Microsoft.Extensions.Localization;
using MudBlazor;

namespace PushConsole.Shell;

/// <summary>Before every destructive action: a dialog that names what will be lost, answered with the action's own verb.</summary>
public static class Confirmations
{
    public static async Task<bool> ConfirmAsync(this IDialogService dialogs, IStringLocalizer texts, string title, string whatIsLost, string action)
    {
        var answer = await dialogs.ShowMessageBoxAsync(new MessageBoxOptions
        {
            Title = title,
            Message = whatIsLost,
            YesText = action,
            CancelText = texts["Common.Keep"],
        });
        return answer == true;
    }
}
