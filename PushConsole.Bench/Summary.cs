using System.Globalization;

namespace PushConsole.Bench;

/// <summary>
/// The one machine-readable line per figure that <c>scripts/bench.sh all</c> collects into its table:
/// <c>SUMMARY|what|figure|ceiling or size measured in the same run|target|met</c>.
/// </summary>
public static class Summary
{
    public static void Print(string what, string figure, string ceiling, string target, bool met) =>
        Console.WriteLine(string.Join('|', "SUMMARY", Clean(what), Clean(figure), Clean(ceiling), Clean(target), met ? "yes" : "NO"));

    public static string Percent(double part, double whole) => whole <= 0 ? "-" : (part / whole).ToString("P0", CultureInfo.InvariantCulture);

    private static string Clean(string text) => text.Replace('|', '/').Replace('\n', ' ');
}
