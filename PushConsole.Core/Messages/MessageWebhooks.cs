using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using PushConsole.Accounts;
using PushConsole.Persistence;

namespace PushConsole.Messages;

/// <summary>An account's webhook as shown back: never the secret, which is shown once when it is made.</summary>
public sealed record WebhookView(int AccountId, string Url, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>
/// Sets, shows and removes accounts' webhooks. The URL follows the account hosts' allow-list (<see cref="ApiHostPolicy"/>:
/// the operator's <c>Accounts:AllowedApiBaseUrls</c>), so an admin cannot make the console POST anywhere.
/// </summary>
public sealed class MessageWebhooks(IDbContextFactory<PushConsoleDbContext> contexts, ApiHostPolicy hosts, IDataProtectionProvider protection,
    TimeProvider time)
{
    public const string Purpose = "PushConsole.Messages.WebhookSecret";
    private readonly IDataProtector protector = protection.CreateProtector(Purpose);

    /// <summary>
    /// Sets the account's webhook URL (an error says what is wrong with it). A new webhook, or <paramref name="newSecret"/>, makes a new secret, returned here
    /// once; otherwise the secret is kept (null returned).
    /// </summary>
    public async Task<(WebhookView? Webhook, string? Secret, string? Error)> SetAsync(int accountId, string? url, bool newSecret,
        CancellationToken cancellationToken)
    {
        var trimmed = url?.Trim() ?? "";
        if (trimmed.Length is 0 or > MessageWebhook.MaxUrlLength)
        {
            return (null, null, $"Give the webhook's absolute http(s) URL (at most {MessageWebhook.MaxUrlLength} characters).");
        }
        if (hosts.Check(trimmed) is { } refused)
        {
            return (null, null, refused.Replace("API base URL", "webhook URL", StringComparison.Ordinal));
        }
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (!await db.Accounts.AnyAsync(a => a.Id == accountId, cancellationToken))
        {
            return (null, null, null);
        }
        var now = time.GetUtcNow();
        var webhook = await db.Set<MessageWebhook>().SingleOrDefaultAsync(w => w.AccountId == accountId, cancellationToken);
        string? secret = null;
        if (webhook is null)
        {
            webhook = new MessageWebhook { AccountId = accountId, CreatedAt = now };
            db.Add(webhook);
            newSecret = true;
        }
        if (newSecret)
        {
            secret = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            webhook.SecretCipher = protector.Protect(secret);
        }
        webhook.Url = trimmed;
        webhook.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        return (ViewOf(webhook), secret, null);
    }

    public async Task<WebhookView?> FindAsync(int accountId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Set<MessageWebhook>().AsNoTracking().Where(w => w.AccountId == accountId)
            .Select(w => new WebhookView(w.AccountId, w.Url, w.CreatedAt, w.UpdatedAt)).SingleOrDefaultAsync(cancellationToken);
    }

    public async Task<bool> RemoveAsync(int accountId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Set<MessageWebhook>().Where(w => w.AccountId == accountId).ExecuteDeleteAsync(cancellationToken) > 0;
    }

    /// <summary>The URL and plain secret to deliver to, or null when the account has no webhook (any more).</summary>
    internal async Task<(string Url, string Secret)?> TargetAsync(int accountId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var webhook = await db.Set<MessageWebhook>().AsNoTracking().SingleOrDefaultAsync(w => w.AccountId == accountId, cancellationToken);
        return webhook is null ? null : (webhook.Url, protector.Unprotect(webhook.SecretCipher));
    }

    internal async Task<bool> ExistsAsync(int accountId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Set<MessageWebhook>().AnyAsync(w => w.AccountId == accountId, cancellationToken);
    }

    private static WebhookView ViewOf(MessageWebhook w) => new(w.AccountId, w.Url, w.CreatedAt, w.UpdatedAt);
}

/// <summary>
/// The signature of a callback: <c>PushConsole-Signature: v1=&lt;hex HMAC-SHA256 of "{timestamp}.{body}" with the secret&gt;</c>,
/// the timestamp (Unix seconds) in <c>PushConsole-Timestamp</c>. A receiver recomputes it and refuses old timestamps.
/// </summary>
public static class MessageCallbackSignature
{
    public const string EventIdHeader = "PushConsole-Event-Id";
    public const string TimestampHeader = "PushConsole-Timestamp";
    public const string SignatureHeader = "PushConsole-Signature";

    public static string Sign(string secret, long timestamp, string body) =>
        "v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));

    /// <summary>Whether <paramref name="signature"/> is this body's at this timestamp, compared in constant time.</summary>
    public static bool Verify(string secret, long timestamp, string body, string? signature) =>
        signature is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(secret, timestamp, body)),
            Encoding.ASCII.GetBytes(signature));
}
