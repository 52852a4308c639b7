using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Polly;
using Polly.Retry;

namespace PushConsole.WeChat;

/// <summary>A reply WeChat gave, or the classified failure of the call. Never thrown.</summary>
internal sealed class Attempt<T>(T? reply, WeChatError? error) : IAttempt where T : WeChatReply
{
    public T? Reply { get; } = reply;
    public WeChatError? Error { get; } = error;

    public static Attempt<T> Fail(WeChatError error) => new(null, error);
}

internal interface IAttempt
{
    WeChatError? Error { get; }
}

/// <summary>
/// HTTP to WeChat with resilience: one call under a per-attempt timeout (the HTTP client's), transport failures turned
/// into Transient outcomes, and a retry pipeline (exponential backoff with jitter, bounded attempts) that retries only those.
/// </summary>
internal sealed class WeChatTransport
{
    public const string HttpClientName = "WeChat";

    // Shared by every request: a header value is only read when the request is written.
    private static readonly MediaTypeHeaderValue JsonUtf8 = new("application/json") { CharSet = "utf-8" };

    private readonly ResiliencePipeline retry;
    private readonly TimeSpan attemptTimeout;
    private readonly int maxRetries;

    public WeChatTransport(IOptions<WeChatClientOptions> options, TimeProvider time, ILogger<WeChatTransport> logger)
    {
        var o = options.Value;
        attemptTimeout = o.AttemptTimeout;
        maxRetries = o.MaxRetries;
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        if (o.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = o.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = o.RetryBaseDelay,
                MaxDelay = o.RetryMaxDelay,
                // Only transient outcomes: a permanent answer (41028, 43101, ...) would fail the same way again,
                // and 45009/45011 need minutes or a day, which is the sender's call, not a tight retry loop.
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Result is IAttempt { Error.Kind: WeChatErrorKind.Transient }),
                OnRetry = args =>
                {
                    logger.LogDebug("Retrying a WeChat call after {Error} (retry {Attempt}, in {Delay})",
                        (args.Outcome.Result as IAttempt)?.Error, args.AttemptNumber + 1, args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            });
        }
        retry = builder.Build();
    }

    /// <summary>Runs <paramref name="attempt"/> and runs it again after transient failures, with backoff.</summary>
    public async ValueTask<Attempt<T>> WithRetriesAsync<T, TState>(
        Func<TState, CancellationToken, ValueTask<Attempt<T>>> attempt, TState state, CancellationToken cancellationToken)
        where T : WeChatReply
    {
        // Nearly every send succeeds or fails for good at the first attempt; only then does the retry pipeline run,
        // with that first attempt handed over as its first outcome (so backoff and bounds apply as usual). This keeps
        // the pipeline's per-call cost off the path that has to carry ten thousand sends a second.
        var first = await attempt(state, cancellationToken);
        if (first.Error?.Kind != WeChatErrorKind.Transient || maxRetries == 0)
        {
            return first;
        }
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            var retryState = new RetryState<T, TState>(attempt, state, first);
            var outcome = await retry.ExecuteOutcomeAsync(static async (ctx, s) =>
            {
                if (s.TakeFirst() is { } handedOver)
                {
                    return Outcome.FromResult(handedOver);
                }
                try
                {
                    return Outcome.FromResult(await s.Attempt(s.State, ctx.CancellationToken));
                }
                catch (Exception e)
                {
                    return Outcome.FromException<Attempt<T>>(e);
                }
            }, context, retryState);
            outcome.ThrowIfException();
            return outcome.Result!;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private sealed class RetryState<T, TState>(Func<TState, CancellationToken, ValueTask<Attempt<T>>> attempt, TState state, Attempt<T> first)
        where T : WeChatReply
    {
        private Attempt<T>? first = first;
        public Func<TState, CancellationToken, ValueTask<Attempt<T>>> Attempt { get; } = attempt;
        public TState State { get; } = state;

        public Attempt<T>? TakeFirst()
        {
            var taken = first;
            first = null;
            return taken;
        }
    }

    /// <summary>
    /// One HTTP call under the per-attempt timeout (the WeChat HTTP client's own <see cref="HttpClient.Timeout"/>,
    /// set from <see cref="WeChatClientOptions.AttemptTimeout"/>). Only the caller's cancellation escapes as an exception.
    /// </summary>
    /// <remarks>
    /// One async method from the request to the parsed answer: this runs once per message sent, and every extra layer
    /// (a resilience pipeline, a lambda, an outcome wrapper) is an allocation and a state machine per send.
    /// </remarks>
    public async ValueTask<Attempt<T>> CallAsync<T>(HttpClient http, HttpMethod method, Uri url, byte[]? body,
        JsonTypeInfo<T> replyType, WeChatEndpointKind endpoint, CancellationToken cancellationToken) where T : WeChatReply
    {
        try
        {
            using var request = new HttpRequestMessage(method, url);
            if (body is not null)
            {
                // A byte array (not a streamed JsonContent) gives a Content-Length instead of chunked encoding.
                request.Content = new ByteArrayContent(body) { Headers = { ContentType = JsonUtf8 } };
            }
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return Attempt<T>.Fail(FromStatus(response.StatusCode, response.ReasonPhrase));
            }
            // WeChat's answers are small and already buffered: deserialising the bytes in one go is cheaper than the
            // streaming reader, which matters at thousands of sends per second.
            var reply = JsonSerializer.Deserialize(await response.Content.ReadAsByteArrayAsync(cancellationToken), replyType);
            if (reply is null)
            {
                return Attempt<T>.Fail(new WeChatError(WeChatErrorKind.Other, 0, "WeChat answered with an empty body"));
            }
            return reply.ErrCode == 0 ? new Attempt<T>(reply, null) : Attempt<T>.Fail(WeChatError.From(reply.ErrCode, reply.ErrMsg, endpoint));
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            // HttpClient's timeout (a TimeoutException inside) or the handler giving up on its own (its connect
            // timeout): either way no answer came, which is worth another attempt.
            return Attempt<T>.Fail(WeChatError.Transient(e.InnerException is TimeoutException
                ? $"no answer within {attemptTimeout.TotalSeconds:0.###} s"
                : "the request was cancelled by the HTTP stack"));
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return Attempt<T>.Fail(WeChatError.Transient($"network: {e.Message}"));
        }
        catch (JsonException e)
        {
            return Attempt<T>.Fail(new WeChatError(WeChatErrorKind.Other, 0, $"WeChat's answer is not the expected JSON: {e.Message}"));
        }
    }

    // WeChat answers 200 even for errors; another status comes from the host or a proxy in front of it.
    private static WeChatError FromStatus(HttpStatusCode status, string? reason)
    {
        var text = $"HTTP {(int)status} {reason}".TrimEnd();
        return (int)status switch
        {
            >= 500 or 408 => WeChatError.Transient(text),
            429 => new WeChatError(WeChatErrorKind.RateLimited, -1, text),
            _ => new WeChatError(WeChatErrorKind.Configuration, -1, $"{text}: check the account's API base URL"),
        };
    }
}
