using System.Text.RegularExpressions;

namespace PushConsole.Outcomes;

/// <summary>
/// Every cell the console writes into a CSV file goes through here. Excel and WPS run a cell that starts with
/// <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, a tab or a carriage return as a formula, and errmsg texts and openids come
/// from outside; such a cell gets a leading <c>'</c> (OWASP's advice). Plain numbers such as errcode -1 stay as they are.
/// </summary>
public static partial class CsvCells
{
    public static string Safe(string? cell)
    {
        if (string.IsNullOrEmpty(cell))
        {
            return "";
        }
        return cell[0] is '=' or '+' or '-' or '@' or '\t' or '\r' && !PlainNumber().IsMatch(cell) ? "'" + cell : cell;
    }

    public static string[] Safe(IEnumerable<string?> cells) => cells.Select(Safe).ToArray();

    [GeneratedRegex(@"^[-+]?[0-9]+(\.[0-9]+)?$")]
    private static partial Regex PlainNumber();
}
