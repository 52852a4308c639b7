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
            return (null, ServiceText.Get("FormIdReport.NotJson"));
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, ServiceText.Get("FormIdReport.NotObject"));
            }
            if (root.TryGetProperty("formIds", out var list))
            {
                if (list.ValueKind != JsonValueKind.Array)
                {
                    return (null, ServiceText.Get("FormIdReport.NotArray"));
                }
                var count = list.GetArrayLength();
                if (count == 0)
                {
                    return (null, ServiceText.Get("FormIdReport.Empty"));
                }
                if (count > MaxIds)
                {
                    return (null, ServiceText.Get("FormIdReport.TooMany", MaxIds, count));
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
            return (null, ServiceText.Get("FormIdReport.Missing"));
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
            return (null, ServiceText.Get("FormIdReport.ItemType"));
        }
        if (!element.TryGetProperty("formId", out var formId) || formId.ValueKind != JsonValueKind.String)
        {
            return (null, ServiceText.Get("FormIdReport.ItemFormId"));
        }
        var kind = CredentialKind.FormId;
        if (element.TryGetProperty("kind", out var kindElement) && kindElement.ValueKind != JsonValueKind.Null)
        {
            switch (kindElement.ValueKind == JsonValueKind.String ? kindElement.GetString() : null)
            {
                case "form": kind = CredentialKind.FormId; break;
                case "prepay": kind = CredentialKind.PrepayId; break;
                default: return (null, ServiceText.Get("FormIdReport.Kind"));
            }
        }
        DateTimeOffset? expire = null;
        if (element.TryGetProperty("expire", out var expireElement) && expireElement.ValueKind != JsonValueKind.Null)
        {
            // Unix milliseconds, as JavaScript's Date.now() gives them.
            if (expireElement.ValueKind != JsonValueKind.Number || !expireElement.TryGetDouble(out var ms)
                || double.IsNaN(ms) || ms < 0 || ms > 253_402_300_799_000d)
            {
                return (null, ServiceText.Get("FormIdReport.Expire"));
            }
            expire = DateTimeOffset.FromUnixTimeMilliseconds((long)ms);
        }
        return (new ReportedCredential(formId.GetString()!, kind, expire), null);
    }
}
