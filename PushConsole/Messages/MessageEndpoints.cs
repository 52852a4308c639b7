using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using PushConsole.Api;
using PushConsole.Users;

namespace PushConsole.Messages;

/// <summary>POST /api/v1/messages: the app's backend notifies one user now; GET its status.</summary>
public static class MessageEndpoints
{
    /// <summary>API tokens of senders (the app backends) and admins; editors plan pushes in the console instead.</summary>
    public const string ApiSender = "ApiSender";

    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>A transactional message as the API shows it.</summary>
    public sealed record MessageView(long Id, MessageState Status, string StatusUrl, int AccountId, int TemplateId, string OpenId,
        long? MsgId, int? ErrCode, string? ErrMsg, string? Meaning, string? IdempotencyKey, DateTimeOffset CreatedAt,
        DateTimeOffset? FinishedAt, long? RunId)
    {
        public static MessageView Of(MessageStatus m) => new(m.Id, m.State, UrlOf(m.Id), m.AccountId, m.TemplateId, m.OpenId, m.MsgId,
            m.ErrCode, m.ErrMsg, m.Meaning, m.IdempotencyKey, m.CreatedAt, m.FinishedAt, m.RunId);
    }

    public static string UrlOf(long id) => $"/api/v1/messages/{id}";

    private static Microsoft.OpenApi.OpenApiPathItem OutcomeCallbackDescription()
    {
        static Microsoft.OpenApi.OpenApiSchema Text(string description) =>
            new() { Type = Microsoft.OpenApi.JsonSchemaType.String, Description = description };
        static Microsoft.OpenApi.OpenApiParameter Header(string name, string description) => new()
        {
            Name = name, In = Microsoft.OpenApi.ParameterLocation.Header, Required = true, Description = description, Schema = Text(description),
        };
        return new Microsoft.OpenApi.OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, Microsoft.OpenApi.OpenApiOperation>
            {
                [HttpMethod.Post] = new()
                {
                    Summary = "A transactional message's final outcome, POSTed to the account's webhook (PUT /api/v1/accounts/{id}/webhook).",
                    Description = "Sent once the outcome is known; any answer but 2xx is retried with backoff for 24 hours with the same event id " +
                        "(delivery is at least once: drop ids you have seen). Verify the signature before acting on it.",
                    Parameters = new List<Microsoft.OpenApi.IOpenApiParameter>
                    {
                        Header(MessageCallbackSignature.EventIdHeader, "The event id, the same on every retry."),
                        Header(MessageCallbackSignature.TimestampHeader, "Unix seconds when this attempt was signed."),
                        Header(MessageCallbackSignature.SignatureHeader, "v1=<hex HMAC-SHA256 of \"{timestamp}.{body}\" keyed with the webhook's secret>."),
                    },
                    RequestBody = new Microsoft.OpenApi.OpenApiRequestBody
                    {
                        Required = true,
                        Content = new Dictionary<string, Microsoft.OpenApi.OpenApiMediaType>
                        {
                            ["application/json"] = new()
                            {
                                Schema = new Microsoft.OpenApi.OpenApiSchema
                                {
                                    Type = Microsoft.OpenApi.JsonSchemaType.Object,
                                    Properties = new Dictionary<string, Microsoft.OpenApi.IOpenApiSchema>
                                    {
                                        ["id"] = Text("The event id (evt_…)."),
                                        ["type"] = Text("message.sent, message.failed, message.no_credential or message.canceled."),
                                        ["createdAt"] = Text("When the outcome was recorded (ISO 8601)."),
                                        ["message"] = new Microsoft.OpenApi.OpenApiSchema
                                        {
                                            Type = Microsoft.OpenApi.JsonSchemaType.Object,
                                            Description = "The message as GET /api/v1/messages/{id} shows it: id, accountId, templateId, openId, status, " +
                                                "msgId, errCode, errMsg, meaning, idempotencyKey, finishedAt.",
                                        },
                                    },
                                },
                            },
                        },
                    },
                    Responses = new Microsoft.OpenApi.OpenApiResponses
                    {
                        ["2XX"] = new Microsoft.OpenApi.OpenApiResponse { Description = "Received; any other answer (or none within 10 s) is retried." },
                    },
                },
            },
        };
    }

    public static WebApplicationBuilder AddMessages(this WebApplicationBuilder builder)
    {
        builder.Services.AddTransactionalMessages(builder.Configuration);
        // The outcome callback is a request the console makes: the OpenAPI document describes it as a webhook.
        builder.Services.Configure<Microsoft.AspNetCore.OpenApi.OpenApiOptions>("v1", o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Webhooks ??= new Dictionary<string, Microsoft.OpenApi.IOpenApiPathItem>();
            document.Webhooks["messageOutcome"] = OutcomeCallbackDescription();
            return Task.CompletedTask;
        }));
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ApiSender, p => p.AddAuthenticationSchemes(ApiTokenAuthenticationHandler.SchemeName)
                .RequireAuthenticatedUser().RequireRole(Roles.Admin, Roles.Sender));
        return builder;
    }

    public static WebApplication MapMessageEndpoints(this WebApplication app)
    {
        var messages = app.MapGroup("/api/v1/messages").RequireAuthorization(ApiSender).WithTags("Messages");
        messages.MapPost("/", SendAsync).WithName("SendMessage")
            .WithSummary("Sends a transactional message to one user now.")
            .WithDescription("""
                Picks the user's credential as a campaign does (the earliest-expiring formId or prepay_id, or a subscribe grant
                for the template) and sends through the console's send engine and delivery ledger. Answers 202 with the
                message's id and status URL; with `?wait=5s` it waits up to that long and answers 200 with the outcome (msgid,
                or errcode with its meaning). An `Idempotency-Key` header makes retries safe: within 24 hours the same key
                answers with the first message (header `Idempotent-Replayed: true`) and never sends again, whichever node is
                asked. 400 names each invalid field; 409 means the user holds no usable credential (nothing was sent; the
                answer says what the user has); 422 means the key was used for a different message.
                """)
            .Accepts<MessageRequest>("application/json")
            .Produces<MessageView>(StatusCodes.Status200OK)
            .Produces<MessageView>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        messages.MapGet("/{id:long}", async (long id, string? wait, TransactionalMessages service, CancellationToken ct) =>
        {
            if (ParseWait(wait, service.Options.MaxWait, out var waitFor) is { } problem)
            {
                return problem;
            }
            var status = await service.WaitAsync(id, waitFor, ct);
            return status is null ? ApiProblem.Of(404, ProblemTitle.NoSuchMessage) : Results.Ok(MessageView.Of(status));
        }).WithName("GetMessage").WithSummary("The message and its outcome; `?wait=5s` waits up to that long for the outcome.")
            .Produces<MessageView>().ProducesProblem(StatusCodes.Status404NotFound);
        MapWebhookEndpoints(app);
        return app;
    }

    public sealed record WebhookRequest(string? Url, bool NewSecret = false);

    /// <summary>The webhook as set, with the signing secret when one was made (shown this once).</summary>
    public sealed record WebhookAnswer(int AccountId, string Url, string? Secret, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

    /// <summary>Admins set where an account's message outcomes are POSTed (host allow-list as for account hosts).</summary>
    private static void MapWebhookEndpoints(WebApplication app)
    {
        var webhook = app.MapGroup("/api/v1/accounts/{id:int}/webhook").RequireAuthorization(ApiHosting.ApiAdmin).WithTags("Messages");
        webhook.MapPut("/", async (int id, WebhookRequest request, MessageWebhooks webhooks, CancellationToken ct) =>
        {
            var (view, secret, error) = await webhooks.SetAsync(id, request.Url, request.NewSecret, ct);
            if (error is not null)
            {
                return Invalid(new Dictionary<string, string> { ["url"] = error });
            }
            return view is null ? ApiProblem.Of(404, ProblemTitle.NoSuchAccount)
                : Results.Ok(new WebhookAnswer(view.AccountId, view.Url, secret, view.CreatedAt, view.UpdatedAt));
        }).WithName("SetMessageWebhook")
            .WithSummary("Sets the account's webhook for transactional message outcomes; a new webhook (or newSecret) answers its signing secret once.")
            .WithDescription("""
                Each message's final outcome is POSTed as JSON `{"id": "evt_…", "type": "message.sent" | "message.failed" |
                "message.no_credential" | "message.canceled", "createdAt", "message": {…}}` with the headers `PushConsole-Event-Id`,
                `PushConsole-Timestamp` (Unix seconds) and `PushConsole-Signature: v1=<hex HMAC-SHA256 of "{timestamp}.{body}">`.
                Any answer but 2xx is retried with backoff (10 s, 30 s, 1 min, 5 min, 15 min, 30 min, then hourly) for 24 hours;
                the event id stays the same, so drop repeats. The URL's host must be allowed like an account's API host
                (`Accounts:AllowedApiBaseUrls`).
                """)
            .Produces<WebhookAnswer>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        webhook.MapGet("/", async (int id, MessageWebhooks webhooks, CancellationToken ct) =>
            await webhooks.FindAsync(id, ct) is { } view ? Results.Ok(view) : ApiProblem.Of(404, ProblemTitle.NoWebhook))
            .WithName("GetMessageWebhook").Produces<WebhookView>().ProducesProblem(StatusCodes.Status404NotFound);
        webhook.MapDelete("/", async (int id, MessageWebhooks webhooks, CancellationToken ct) =>
            await webhooks.RemoveAsync(id, ct) ? Results.NoContent() : ApiProblem.Of(404, ProblemTitle.NoWebhook))
            .WithName("RemoveMessageWebhook");
    }

    private static async Task<IResult> SendAsync(HttpContext http, string? wait, TransactionalMessages service, ClaimsPrincipal user,
        IOptions<JsonOptions> json, CancellationToken ct)
    {
        if (ParseWait(wait, service.Options.MaxWait, out var waitFor) is { } waitProblem)
        {
            return waitProblem;
        }
        MessageRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync<MessageRequest>(http.Request.Body, json.Value.SerializerOptions, ct);
        }
        catch (JsonException e)
        {
            var field = e.Path is { Length: > 2 } path ? path.TrimStart('$', '.') : "body";
            return Invalid(new Dictionary<string, string> { [field] = ServiceText.Get("ProblemDetail.NotReadable", e.Message) });
        }
        var key = http.Request.Headers[IdempotencyKeyHeader].ToString();
        var who = user.FindFirstValue(ClaimTypes.NameIdentifier) ?? user.Identity?.Name ?? "";
        var accepted = await service.AcceptAsync(request, key, who, ct);
        if (accepted.Message is not { } message)
        {
            return Invalid(accepted.Errors);
        }
        if (accepted.KeyReusedForAnotherRequest)
        {
            return ApiProblem.Of(StatusCodes.Status422UnprocessableEntity, ProblemTitle.IdempotencyKeyUsed,
                ServiceText.Get("ProblemDetail.KeyUsed", message.Id),
                new Dictionary<string, object?> { ["messageId"] = message.Id, ["statusUrl"] = UrlOf(message.Id) });
        }
        if (accepted.Replayed)
        {
            http.Response.Headers["Idempotent-Replayed"] = "true";
        }
        if (waitFor > TimeSpan.Zero && !message.Final)
        {
            message = await service.WaitAsync(message.Id, message, waitFor, ct) ?? message;
        }
        return await AnswerAsync(message, service, ct);
    }

    private static async Task<IResult> AnswerAsync(MessageStatus message, TransactionalMessages service, CancellationToken ct)
    {
        var view = MessageView.Of(message);
        if (message.State == MessageState.NoCredential)
        {
            var holdings = await service.HoldingsAsync(message, ct);
            return ApiProblem.Of(StatusCodes.Status409Conflict, ProblemTitle.NoUsableCredential,
                holdings?.Describe() ?? ServiceText.Get("Message.NoCredentialForTemplate"),
                new Dictionary<string, object?> { ["message"] = view, ["holdings"] = holdings });
        }
        return message.Final ? Results.Ok(view) : Results.Accepted(view.StatusUrl, view);
    }

    /// <summary><c>wait</c> as "5s", "500ms" or "5" (seconds), up to the configured maximum.</summary>
    internal static IResult? ParseWait(string? text, TimeSpan max, out TimeSpan wait)
    {
        wait = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        var value = text.Trim().ToLowerInvariant();
        var (number, unit) = value.EndsWith("ms", StringComparison.Ordinal) ? (value[..^2], 1.0)
            : value.EndsWith('s') ? (value[..^1], 1000.0) : (value, 1000.0);
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount)
            || double.IsInfinity(amount) || amount * unit > max.TotalMilliseconds)
        {
            return Invalid(new Dictionary<string, string>
            {
                ["wait"] = ServiceText.Get("ProblemDetail.Wait", max.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)),
            });
        }
        wait = TimeSpan.FromMilliseconds(amount * unit);
        return null;
    }

    private static IResult Invalid(IReadOnlyDictionary<string, string> errors) =>
        ApiProblem.Of(400, ProblemTitle.MessageInvalid,
            string.Join(" ", errors.Select(e => $"{e.Key}: {e.Value}")),
            new Dictionary<string, object?> { ["errors"] = errors });
}
