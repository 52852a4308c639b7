using System.Collections.Concurrent;
using QRCoder;

namespace PushConsole.Channels;

/// <summary>QR codes of follow links as SVG data URIs, drawn once per link (public pages are opened by many viewers).</summary>
public sealed class FollowQrCodes
{
    private const int MaxCached = 256;
    private readonly ConcurrentDictionary<string, string> cache = new(StringComparer.Ordinal);

    public string DataUriOf(string link)
    {
        if (cache.TryGetValue(link, out var uri))
        {
            return uri;
        }
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(link, QRCodeGenerator.ECCLevel.M);
        var svg = new SvgQRCode(data).GetGraphic(8);
        uri = "data:image/svg+xml;base64," + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(svg));
        if (cache.Count < MaxCached)
        {
            cache[link] = uri;
        }
        return uri;
    }
}
