using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;

namespace PushConsole.MiniProgram;

/// <summary>Who a mini program request is from, as the console itself vouched for it at login.</summary>
public sealed record MiniProgramSession(string AppId, string OpenId, DateTimeOffset ExpiresAt);

public sealed record IssuedSessionToken(string Token, DateTimeOffset ExpiresAt, int ExpiresInSeconds);

/// <summary>
/// Opaque session tokens for mini program users: app, openid and expiry, encrypted and signed with Data Protection
/// (the key ring is in the database, so every node accepts every node's tokens). The openid of a request comes only
/// from here, never from the client's body; WeChat's session_key is never put in it. Expiry is checked against the
/// console's <see cref="TimeProvider"/>, not Data Protection's own clock.
/// </summary>
public sealed class MiniProgramSessionTokens(IDataProtectionProvider provider, TimeProvider time, MiniProgramOptions options)
{
    public const string Purpose = "PushConsole.MiniProgram.Session.v1";
    private const byte Version = 1;
    private readonly IDataProtector protector = provider.CreateProtector(Purpose);

    public IssuedSessionToken Issue(string appId, string openId)
    {
        var expiresAt = time.GetUtcNow() + options.SessionLifetime;
        var app = Encoding.UTF8.GetBytes(appId);
        var user = Encoding.UTF8.GetBytes(openId);
        if (app.Length > byte.MaxValue || user.Length > byte.MaxValue)
        {
            throw new ArgumentException("appId and openId are at most 255 bytes.");
        }
        var payload = new byte[1 + 8 + 1 + app.Length + 1 + user.Length];
        payload[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(payload.AsSpan(1), expiresAt.UtcTicks);
        payload[9] = (byte)app.Length;
        app.CopyTo(payload, 10);
        payload[10 + app.Length] = (byte)user.Length;
        user.CopyTo(payload, 11 + app.Length);
        var token = WebEncoders.Base64UrlEncode(protector.Protect(payload));
        return new IssuedSessionToken(token, expiresAt, (int)options.SessionLifetime.TotalSeconds);
    }

    /// <summary>The session of a token issued for this app and not yet expired; null for anything else.</summary>
    public MiniProgramSession? Validate(string? token, string appId)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 4096)
        {
            return null;
        }
        byte[] payload;
        try
        {
            payload = protector.Unprotect(WebEncoders.Base64UrlDecode(token));
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            return null;
        }
        if (payload.Length < 11 || payload[0] != Version)
        {
            return null;
        }
        var expiresAt = new DateTimeOffset(BinaryPrimitives.ReadInt64BigEndian(payload.AsSpan(1)), TimeSpan.Zero);
        int appLength = payload[9];
        if (10 + appLength + 1 > payload.Length)
        {
            return null;
        }
        int userLength = payload[10 + appLength];
        if (11 + appLength + userLength != payload.Length)
        {
            return null;
        }
        var tokenApp = Encoding.UTF8.GetString(payload, 10, appLength);
        if (!string.Equals(tokenApp, appId, StringComparison.Ordinal) || expiresAt <= time.GetUtcNow())
        {
            return null;
        }
        return new MiniProgramSession(tokenApp, Encoding.UTF8.GetString(payload, 11 + appLength, userLength), expiresAt);
    }
}
