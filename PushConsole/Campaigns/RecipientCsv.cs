using CsvHelper;

namespace PushConsole.Campaigns;

/// <summary>
/// Reads an uploaded audience: one openid per line, or a CSV whose column named "openid" (any case) holds them;
/// without such a header the first column is taken. Blank lines and repeats are dropped.
/// </summary>
public static class RecipientCsv
{
    public const long MaxBytes = 64L * 1024 * 1024;

    private static readonly CsvReaderOptions Options = new()
    {
        // The header, if any, is recognised below: a bare list of openids has none.
        HasHeader = false,
        SkipEmptyLines = true,
        TrimWhitespace = true,
        AllowLineBreaksInQuotes = false,
        MissingField = CsvMissingFieldHandling.ReturnEmpty,
        FieldCountMismatch = CsvFieldCountHandling.Allow,
    };

    public static async Task<List<string>> ReadAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        await using var csv = CsvReader.Create(stream, Options, leaveOpen: true);
        var openIds = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var column = 0;
        var first = true;
        while (await csv.ReadAsync(cancellationToken))
        {
            if (first)
            {
                first = false;
                var header = Enumerable.Range(0, csv.FieldCount)
                    .FirstOrDefault(i => string.Equals(csv.GetString(i)?.Trim(), "openid", StringComparison.OrdinalIgnoreCase), -1);
                if (header >= 0)
                {
                    column = header;
                    continue;
                }
            }
            var value = csv.FieldCount > column ? csv.GetString(column)?.Trim() : null;
            if (!string.IsNullOrEmpty(value) && seen.Add(value))
            {
                openIds.Add(value);
            }
        }
        return openIds;
    }
}
