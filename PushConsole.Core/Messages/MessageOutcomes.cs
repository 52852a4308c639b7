using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using PushConsole.Persistence;

namespace PushConsole.Messages;

/// <summary>The body of an outcome callback.</summary>
public sealed record MessageCallbackBody(string Id, string Type, DateTimeOffset CreatedAt, MessageCallbackMessage Message);

public sealed record MessageCallbackMessage(long Id, int AccountId, int TemplateId, string OpenId, MessageState Status, long? MsgId,
    int? ErrCode, string? ErrMsg, string? Meaning, string? IdempotencyKey, DateTimeOffset? FinishedAt);

/// <summary>
/// A message's final outcome becomes one callback to the account's webhook (when it has one): recorded once in the
/// database with a stable event id, then POSTed, signed, and retried with backoff for 24 hours until the receiver
/// answers 2xx. Any node delivers; a delivery is claimed first, so two nodes do not post the same attempt.
/// </summary>
public sealed class MessageOutcomes(
    IDbContextFactory<PushConsoleDbContext> contexts,
    MessageWebhooks webhooks,
    IHttpClientFactory http,
    IOptions<MessageOptions> options,
    TimeProvider time,
    ILogger<MessageOutcomes> logger)
{
    public const string HttpClientName = "MessageWebhooks";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    /// <summary>Waits between attempts; after the last, every hour until the window ends.</summary>
    internal static readonly TimeSpan[] Backoff =
    [
        TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15),
        TimeSpan.FromMinutes(30), TimeSpan.FromHours(1),
    ];

    private readonly SemaphoreSlim due = new(0, 1);

    /// <summary>Records the callback of a message whose outcome is final (once: a second call finds it).</summary>
    public async Task FinishedAsync(MessageStatus message, CancellationToken cancellationToken)
    {
        if (!message.Final || !await webhooks.ExistsAsync(message.AccountId, cancellationToken))
        {
            return;
        }
        var now = time.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (await db.Set<MessageCallback>().AnyAsync(c => c.MessageId == message.Id, cancellationToken))
        {
            return;
        }
        var eventId = "evt_" + Guid.NewGuid().ToString("N");
        var body = new MessageCallbackBody(eventId, TypeOf(message.State), now, new MessageCallbackMessage(message.Id, message.AccountId,
            message.TemplateId, message.OpenId, message.State, message.MsgId, message.ErrCode, message.ErrMsg, message.Meaning,
            message.IdempotencyKey, message.FinishedAt));
        db.Add(new MessageCallback
        {
            MessageId = message.Id, AccountId = message.AccountId, EventId = eventId, Body = JsonSerializer.Serialize(body, Json),
            NextAttemptAt = now, GiveUpAt = now + options.Value.CallbackWindow, CreatedAt = now,
        });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Recorded meanwhile by another caller (recovery on another node): one callback per message.
            return;
        }
        Wake();
    }

    public static string TypeOf(MessageState state) => state switch
    {
        MessageState.Sent => "message.sent",
        MessageState.NoCredential => "message.no_credential",
        MessageState.Canceled => "message.canceled",
        _ => "message.failed",
    };

    internal void Wake()
    {
        try
        {
            due.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already awake.
        }
    }

    /// <summary>Waits until a callback is recorded here or the poll interval passes (other nodes' callbacks, retries).</summary>
    internal async Task WaitAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var poll = Task.Delay(options.Value.CallbackPollInterval, time, timeout.Token);
        await Task.WhenAny(due.WaitAsync(timeout.Token), poll);
        await timeout.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Posts every callback due now (one attempt each); returns how many were delivered.</summary>
    public async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        List<MessageCallback> candidates;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            candidates = await db.Set<MessageCallback>().AsNoTracking()
                .Where(c => c.DeliveredAt == null && c.NextAttemptAt <= now && c.GiveUpAt > now)
                .OrderBy(c => c.NextAttemptAt).Take(100).ToListAsync(cancellationToken);
        }
        var delivered = 0;
        foreach (var callback in candidates)
        {
            if (await ClaimAsync(callback, now, cancellationToken) && await DeliverAsync(callback, cancellationToken))
            {
                delivered++;
            }
        }
        return delivered;
    }

    /// <summary>Moves the next attempt on by a lease, only if no one else did: the attempt is this caller's.</summary>
    private async Task<bool> ClaimAsync(MessageCallback callback, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var lease = now + options.Value.CallbackTimeout * 2;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Set<MessageCallback>()
            .Where(c => c.Id == callback.Id && c.DeliveredAt == null && c.NextAttemptAt == callback.NextAttemptAt)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.NextAttemptAt, lease), cancellationToken) == 1;
    }

    private async Task<bool> DeliverAsync(MessageCallback callback, CancellationToken cancellationToken)
    {
        var attempt = callback.Attempts + 1;
        string? error;
        var target = await webhooks.TargetAsync(callback.AccountId, cancellationToken);
        if (target is not { } webhook)
        {
            error = "The account has no webhook any more.";
        }
        else
        {
            var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
            using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url)
            {
                Content = new StringContent(callback.Body, System.Text.Encoding.UTF8, "application/json"),
            };
            request.Headers.Add(MessageCallbackSignature.EventIdHeader, callback.EventId);
            request.Headers.Add(MessageCallbackSignature.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
            request.Headers.Add(MessageCallbackSignature.SignatureHeader, MessageCallbackSignature.Sign(webhook.Secret, timestamp, callback.Body));
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(options.Value.CallbackTimeout);
                using var answer = await http.CreateClient(HttpClientName).SendAsync(request, timeout.Token);
                error = answer.IsSuccessStatusCode ? null : $"The receiver answered {(int)answer.StatusCode} {answer.ReasonPhrase}.";
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                error = e is OperationCanceledException ? "The receiver did not answer in time." : $"The receiver could not be reached: {e.Message}";
            }
        }
        var now = time.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
        var row = db.Set<MessageCallback>().Where(c => c.Id == callback.Id);
        if (error is null)
        {
            await row.ExecuteUpdateAsync(s => s.SetProperty(c => c.DeliveredAt, now).SetProperty(c => c.Attempts, attempt)
                .SetProperty(c => c.LastError, (string?)null), CancellationToken.None);
            return true;
        }
        var next = now + Backoff[Math.Min(attempt, Backoff.Length) - 1];
        await row.ExecuteUpdateAsync(s => s.SetProperty(c => c.NextAttemptAt, next).SetProperty(c => c.Attempts, attempt)
            .SetProperty(c => c.LastError, error.Length > 500 ? error[..500] : error), CancellationToken.None);
        logger.LogInformation("Callback {EventId} of message {MessageId}: attempt {Attempt} failed ({Error}); next at {Next}",
            callback.EventId, callback.MessageId, attempt, error, next);
        return false;
    }
}

/// <summary>Delivers outcome callbacks on this node: at once when one is recorded here, and every poll interval.</summary>
internal sealed class MessageCallbackDispatcher(MessageOutcomes outcomes, ILogger<MessageCallbackDispatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await outcomes.DeliverDueAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Delivering message outcome callbacks failed");
                }
                await outcomes.WaitAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
