using System.Text;
using System.Text.Json;

namespace PushConsole.Api;

/// <summary>
/// Checks every JSON body sent to <c>/api/v1</c> and <c>/api/miniprogram</c> before an endpoint reads it: text that is
/// not valid UTF-8, an escaped lone surrogate (<c>"\ud800"</c>) and a key repeated in one object are a 400 problem,
/// never a 500 deep inside a handler nor a silently doubled value (one accept counted twice).
/// Bodies over <see cref="MaxCheckedBytes"/> are left to the endpoints, which cap their bodies lower.
/// </summary>
public static class StrictJsonBodies
{
    public const int MaxCheckedBytes = 1024 * 1024;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static WebApplicationBuilder AddStrictJsonBodies(this WebApplicationBuilder builder)
    {
        // The endpoints' own binding refuses repeated keys too (defence in depth behind the check below).
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.AllowDuplicateProperties = false);
        return builder;
    }

    public static WebApplication UseStrictJsonBodies(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            var path = context.Request.Path;
            if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)
                || !(path.StartsWithSegments("/api/v1") || path.StartsWithSegments("/api/miniprogram"))
                || context.Request.ContentLength is 0 or > MaxCheckedBytes)
            {
                await next(context);
                return;
            }
            context.Request.EnableBuffering(bufferThreshold: 64 * 1024);
            var body = await ReadUpToAsync(context.Request.Body, MaxCheckedBytes + 1, context.RequestAborted);
            context.Request.Body.Position = 0;
            if (body.Length > 0 && body.Length <= MaxCheckedBytes && LooksLikeJson(context.Request.ContentType, body) && Check(body) is { } problem)
            {
                await ApiProblem.WriteAsync(context, StatusCodes.Status400BadRequest, ProblemTitle.BadRequest, problem);
                return;
            }
            await next(context);
        });
        return app;
    }

    /// <summary>Null for a body without those faults (whether it is JSON at all is the endpoint's business), else the problem.</summary>
    public static string? Check(ReadOnlySpan<byte> json)
    {
        try
        {
            StrictUtf8.GetCharCount(json);
        }
        catch (DecoderFallbackException)
        {
            return ServiceText.Get("ProblemDetail.NotUtf8");
        }
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64, CommentHandling = JsonCommentHandling.Disallow });
        var objects = new Stack<HashSet<string>>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        objects.Push(new HashSet<string>(StringComparer.Ordinal));
                        break;
                    case JsonTokenType.EndObject:
                        objects.Pop();
                        break;
                    case JsonTokenType.PropertyName:
                        var name = reader.GetString()!;
                        if (!objects.Peek().Add(name))
                        {
                            return ServiceText.Get("ProblemDetail.KeyTwice", name);
                        }
                        break;
                    case JsonTokenType.String:
                        reader.GetString();
                        break;
                }
            }
        }
        catch (InvalidOperationException)
        {
            // GetString refuses escapes that decode to a lone surrogate, which no UTF-8 text can hold.
            return ServiceText.Get("ProblemDetail.LoneSurrogate");
        }
        catch (JsonException)
        {
            return null; // malformed JSON: each endpoint answers that in its own words
        }
        return null;
    }

    private static bool LooksLikeJson(string? contentType, ReadOnlySpan<byte> body)
    {
        if (contentType is not null && contentType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        // Mini programs' wx.request sends JSON with whatever content type the developer set; judge by the first byte.
        var first = body.TrimStart(" \t\r\n"u8);
        return first.Length > 0 && first[0] is (byte)'{' or (byte)'[';
    }

    private static async Task<byte[]> ReadUpToAsync(Stream body, int limit, CancellationToken cancellationToken)
    {
        using var copy = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while (copy.Length < limit && (read = await body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, limit - copy.Length)), cancellationToken)) > 0)
        {
            copy.Write(buffer, 0, read);
        }
        return copy.ToArray();
    }
}
