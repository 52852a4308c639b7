using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace PushConsole.Simulator.Http;

/// <summary>
/// Builds a JSON reply in a per-thread buffer, then copies it into the response with a Content-Length.
/// Begin → write → End must run without an await in between (the buffer is thread-static).
/// </summary>
internal static class Reply
{
    public const string ContentType = "application/json; encoding=utf-8";

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    public static Utf8JsonWriter Begin()
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        if (buffer.Capacity > 1 << 20) t_buffer = buffer = new ArrayBufferWriter<byte>(1024);
        var w = t_writer ??= new Utf8JsonWriter(buffer, WriterOptions);
        w.Reset(buffer);
        return w;
    }

    /// <summary>Writes <c>{"errcode":code,"errmsg":"... rid: ..."}</c> into the buffer (after <see cref="Begin"/> is implied).</summary>
    public static void Error(WeChatSimulator sim, int errcode, string? message)
    {
        var w = Begin();
        w.WriteStartObject();
        w.WriteNumber("errcode"u8, errcode);
        w.WriteString("errmsg"u8, (message ?? ErrorCodes.Message(errcode)) + " rid: " + sim.NewRid());
        w.WriteEndObject();
    }

    public static void Ok(long? msgId = null)
    {
        var w = Begin();
        w.WriteStartObject();
        w.WriteNumber("errcode"u8, 0);
        w.WriteString("errmsg"u8, "ok"u8);
        if (msgId is { } id) w.WriteNumber("msgid"u8, id);
        w.WriteEndObject();
    }

    /// <summary>Sends what was written since <see cref="Begin"/>.</summary>
    public static Task End(HttpContext ctx, int status = 200)
    {
        var w = t_writer!;
        w.Flush();
        var buffer = t_buffer!;
        var resp = ctx.Response;
        resp.StatusCode = status;
        resp.ContentType = ContentType;
        resp.ContentLength = buffer.WrittenCount;
        var pw = resp.BodyWriter;
        pw.Write(buffer.WrittenSpan);
        var flush = pw.FlushAsync();
        return flush.IsCompletedSuccessfully ? Task.CompletedTask : flush.AsTask();
    }
}

/// <summary>Query-string access without allocating the collection.</summary>
internal static class QueryParams
{
    public static ReadOnlySpan<char> Get(HttpRequest request, string name)
    {
        var qs = request.QueryString.Value;
        if (string.IsNullOrEmpty(qs)) return default;
        var span = qs.AsSpan();
        if (span[0] == '?') span = span[1..];
        while (!span.IsEmpty)
        {
            var amp = span.IndexOf('&');
            var seg = amp < 0 ? span : span[..amp];
            span = amp < 0 ? default : span[(amp + 1)..];
            var eq = seg.IndexOf('=');
            var key = eq < 0 ? seg : seg[..eq];
            if (!key.SequenceEqual(name)) continue;
            var value = eq < 0 ? default : seg[(eq + 1)..];
            if (value.IndexOfAny('%', '+') >= 0) return Uri.UnescapeDataString(value.ToString().Replace('+', ' '));
            return value;
        }
        return default;
    }
}
