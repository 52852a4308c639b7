using System.Text.Json;
using PushConsole.Credentials;

namespace PushConsole.MiniProgram;

/// <summary>
/// Reads the body of <c>POST /formids</c>: <c>{"formIds":[...]}</c> with each item a string or
/// <c>{"formId","expire"?,"kind"?}</c>, or a lone <c>{"formId":...}</c>. Structural errors fail the whole request
/// (nothing is stored); whether each id is acceptable is the intake's decision, reported per id.
/// </summary>
public static class FormIdReportParser
{
    public const int MaxIds = 100;

    /// <summary>The reported ids, or an error message for a 400.</summary>
    public static (List<ReportedCredential>? Items, string? Error) Parse(ReadOnlyMemory<byte> body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException)
        {
            return (null, "The body is not JSON.");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, "The body must be a JSON object with 'formIds'.");
            }
            if (root.TryGetProperty("formIds", out var list))
            {
                if (list.ValueKind != JsonValueKind.Array)
                {
                    return (null, "'formIds' must be an array.");
                }
                var count = list.GetArrayLength();
                if (count == 0)
                {
                    return (null, "'formIds' is empty.");
                }
                if (count > MaxIds)
                {
                    return (null, $"At most {MaxIds} formIds per request; this one has {count}.");
                }
                var items = new List<ReportedCredential>(count);
                foreach (var element in list.EnumerateArray())
                {
                    var (item, error) = ParseItem(element);
                    if (error is not null)
                    {
                        return (null, error);
                    }
                    items.Add(item!);
                }
                return (items, null);
            }
            if (root.TryGetProperty("formId", out _))
            {
                var (item, error) = ParseItem(root);
                return error is null ? ([item!], null) : (null, error);
            }
            return (null, "The body needs 'formIds' (an array) or a single 'formId'.");
        }
    }

    private static (ReportedCredential? Item, string? Error) ParseItem(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.String)
        {
            return (new ReportedCredential(element.GetString()!), null);
        }
        if (element.ValueKind != JsonValueKind.Object)
        {
            return (null, "Each formIds item is a string or an object with 'formId'.");
        }
        if (!element.TryGetProperty("formId", out var formId) || formId.ValueKind != JsonValueKind.String)
        {
            return (null, "Each formIds object needs 'formId' as a string.");
        }
        var kind = CredentialKind.FormId;
        if (element.TryGetProperty("kind", out var kindElement) && kindElement.ValueKind != JsonValueKind.Null)
        {
            switch (kindElement.ValueKind == JsonValueKind.String ? kindElement.GetString() : null)
            {
                case "form": kind = CredentialKind.FormId; break;
                case "prepay": kind = CredentialKind.PrepayId; break;
                default: return (null, "'kind' is \"form\" or \"prepay\".");
            }
        }
        DateTimeOffset? expire = null;
        if (element.TryGetProperty("expire", out var expireElement) && expireElement.ValueKind != JsonValueKind.Null)
        {
            // Unix milliseconds, as JavaScript's Date.now() gives them.
            if (expireElement.ValueKind != JsonValueKind.Number || !expireElement.TryGetDouble(out var ms)
                || double.IsNaN(ms) || ms < 0 || ms > 253_402_300_799_000d)
            {
                return (null, "'expire' is a time in Unix milliseconds.");
            }
            expire = DateTimeOffset.FromUnixTimeMilliseconds((long)ms);
        }
        return (new ReportedCredential(formId.GetString()!, kind, expire), null);
    }
}
