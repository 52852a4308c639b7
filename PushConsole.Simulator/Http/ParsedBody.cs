using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;

namespace PushConsole.Simulator.Http;

/// <summary>A string value inside <see cref="ParsedBody.Chars"/>; Length -1 = absent.</summary>
internal readonly record struct Str(int Start, int Length)
{
    public static readonly Str Absent = new(0, -1);
    public bool Present => Length >= 0;
}

internal struct DataField
{
    public Str Key;
    public Str Value;
}

/// <summary>
/// The fields of every WeChat POST body the simulator reads, parsed with Utf8JsonReader into one reusable char
/// buffer (per thread; use between the body read and the reply without awaiting).
/// </summary>
internal sealed class ParsedBody
{
    [ThreadStatic] private static ParsedBody? t_current;

    public static ParsedBody Current => t_current ??= new ParsedBody();

    public char[] Chars = new char[2048];
    private int _used;

    public Str Touser, TemplateId, Page, Url, FormId, ClientMsgId, MpAppId, MpPagePath, MiniprogramState, Lang, GrantType, AppId, Secret;
    public bool HasMiniprogram, HasData, ForceRefresh;
    public int? Offset, Count;
    public DataField[] Data = new DataField[16];
    public int DataCount;

    public ReadOnlySpan<char> this[Str s] => s.Length <= 0 ? default : Chars.AsSpan(s.Start, s.Length);

    public ReadOnlySpan<DataField> Fields => Data.AsSpan(0, DataCount);

    private void Reset()
    {
        _used = 0;
        Touser = TemplateId = Page = Url = FormId = ClientMsgId = MpAppId = MpPagePath = MiniprogramState = Lang = GrantType = AppId = Secret = Str.Absent;
        HasMiniprogram = HasData = ForceRefresh = false;
        Offset = Count = null;
        DataCount = 0;
        if (Chars.Length > 1 << 20) Chars = new char[2048];
    }

    public static async ValueTask<ReadResult> ReadAllAsync(PipeReader reader, long max)
    {
        while (true)
        {
            var r = await reader.ReadAsync();
            if (r.IsCompleted || r.Buffer.Length > max) return r;
            reader.AdvanceTo(r.Buffer.Start, r.Buffer.End);
        }
    }

    /// <summary>Parses a body: 0, 44002 (empty), 45002 (too large) or 47001 (not a JSON object).</summary>
    public int Parse(ReadOnlySequence<byte> body, long max)
    {
        Reset();
        if (body.Length == 0) return 44002;
        if (body.Length > max) return 45002;
        byte[]? rented = null;
        try
        {
            ReadOnlySpan<byte> span;
            if (body.IsSingleSegment) span = body.FirstSpan;
            else
            {
                rented = ArrayPool<byte>.Shared.Rent((int)body.Length);
                body.CopyTo(rented);
                span = rented.AsSpan(0, (int)body.Length);
            }
            return ParseObject(span);
        }
        catch (JsonException)
        {
            return 47001;
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private int ParseObject(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return 47001;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("touser"u8)) Touser = ReadString(ref reader);
            else if (reader.ValueTextEquals("template_id"u8)) TemplateId = ReadString(ref reader);
            else if (reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject) { HasData = true; ReadData(ref reader); }
                else reader.Skip();
            }
            else if (reader.ValueTextEquals("page"u8)) Page = ReadString(ref reader);
            else if (reader.ValueTextEquals("url"u8)) Url = ReadString(ref reader);
            else if (reader.ValueTextEquals("form_id"u8)) FormId = ReadString(ref reader);
            else if (reader.ValueTextEquals("client_msg_id"u8)) ClientMsgId = ReadString(ref reader);
            else if (reader.ValueTextEquals("miniprogram"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    HasMiniprogram = true;
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        if (reader.ValueTextEquals("appid"u8)) MpAppId = ReadString(ref reader);
                        else if (reader.ValueTextEquals("pagepath"u8)) MpPagePath = ReadString(ref reader);
                        else { reader.Read(); reader.Skip(); }
                    }
                }
                else reader.Skip();
            }
            else if (reader.ValueTextEquals("miniprogram_state"u8)) MiniprogramState = ReadString(ref reader);
            else if (reader.ValueTextEquals("lang"u8)) Lang = ReadString(ref reader);
            else if (reader.ValueTextEquals("grant_type"u8)) GrantType = ReadString(ref reader);
            else if (reader.ValueTextEquals("appid"u8)) AppId = ReadString(ref reader);
            else if (reader.ValueTextEquals("secret"u8)) Secret = ReadString(ref reader);
            else if (reader.ValueTextEquals("force_refresh"u8))
            {
                reader.Read();
                ForceRefresh = reader.TokenType switch
                {
                    JsonTokenType.True => true,
                    JsonTokenType.String => reader.ValueTextEquals("true"u8),
                    JsonTokenType.Number => reader.TryGetInt32(out var n) && n != 0,
                    _ => false,
                };
                reader.Skip();
            }
            else if (reader.ValueTextEquals("offset"u8)) Offset = ReadInt(ref reader);
            else if (reader.ValueTextEquals("count"u8)) Count = ReadInt(ref reader);
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        if (reader.TokenType != JsonTokenType.EndObject) return 47001;
        if (reader.Read()) return 47001; // trailing content
        return 0;
    }

    private static int? ReadInt(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var n)) return n;
        if (reader.TokenType == JsonTokenType.String && int.TryParse(reader.ValueSpan, out n)) return n;
        reader.Skip();
        return null;
    }

    private void ReadData(ref Utf8JsonReader reader)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = CopyCurrent(ref reader);
            var value = Str.Absent;
            reader.Read();
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("value"u8)) value = ReadString(ref reader);
                    else { reader.Read(); reader.Skip(); }
                }
            }
            else reader.Skip();
            if (DataCount == Data.Length) Array.Resize(ref Data, Data.Length * 2);
            Data[DataCount++] = new DataField { Key = key, Value = value };
        }
    }

    /// <summary>Moves to the value and copies it: strings unescaped, numbers/booleans as their text; null/objects → absent.</summary>
    private Str ReadString(ref Utf8JsonReader reader)
    {
        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
            case JsonTokenType.Number:
            case JsonTokenType.True:
            case JsonTokenType.False:
                return CopyCurrent(ref reader);
            default:
                reader.Skip();
                return Str.Absent;
        }
    }

    private Str CopyCurrent(ref Utf8JsonReader reader)
    {
        var byteLen = reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (Chars.Length - _used < byteLen)
            Array.Resize(ref Chars, Math.Max(Chars.Length * 2, _used + byteLen));
        var dest = Chars.AsSpan(_used);
        int n;
        if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName) n = reader.CopyString(dest);
        else n = Encoding.UTF8.GetChars(reader.ValueSpan, dest);
        var s = new Str(_used, n);
        _used += n;
        return s;
    }

    /// <summary>Appends text to the char buffer (for building summaries).</summary>
    public Span<char> Scratch(int length)
    {
        if (Chars.Length - _used < length) Array.Resize(ref Chars, Math.Max(Chars.Length * 2, _used + length));
        return Chars.AsSpan(_used, length);
    }
}
