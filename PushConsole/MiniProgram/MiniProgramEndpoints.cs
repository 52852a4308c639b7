using PushConsole.Api;
using System.Security.Claims;
using System.Text.Json;
using PushConsole.Credentials;
using PushConsole.Persistence;

namespace PushConsole.MiniProgram;

/// <summary>
/// The JSON API a mini program calls: <c>/api/miniprogram/{appId}/...</c>. Not behind console sign-in and without
/// antiforgery (no cookies are involved): every route but login requires a session token from login, and is
/// rate limited per user. Errors are problem+json.
/// </summary>
public static class MiniProgramEndpoints
{
    public sealed record FormIdsReply(int Accepted, int Duplicates, IReadOnlyList<RejectedCredential> Rejected);
    public sealed record SubscriptionsReply(IReadOnlyList<string> Granted, IReadOnlyList<RejectedSubscription> Rejected);
    public sealed record EventReply(string Type, bool Recorded);

    public const int MaxSubscriptionEntries = 20;

    public static RouteGroupBuilder MapMiniProgramRoutes(this RouteGroupBuilder group)
    {
        var session = group.MapGroup("")
            .RequireAuthorization(MiniProgramHosting.SessionPolicy)
            .RequireRateLimiting(MiniProgramHosting.PerUserLimit);
        session.MapPost("/formids", ReportFormIdsAsync).WithName("ReportFormIds")
            .WithSummary("Stores formIds and prepay_ids of the session's user; replies after the commit.");
        session.MapPost("/subscriptions", ReportSubscriptionsAsync).WithName("ReportSubscriptions")
            .WithSummary("Turns a wx.requestSubscribeMessage result into subscribe grants.");
        session.MapPost("/events", RecordEventAsync).WithName("RecordActivityEvent")
            .WithSummary("Records that the session's user was active (e.g. {\"type\":\"checkin\"}).");
        return group;
    }

    private static async Task<IResult> ReportFormIdsAsync(
        string appId, HttpContext http, MiniProgramOptions options, MiniProgramDirectory directory, CredentialIntake intake)
    {
        var abort = http.RequestAborted;
        var (buffer, length, tooLarge) = await MiniProgramRequestBody.ReadAsync(http.Request, options.MaxBodyBytes, abort);
        if (tooLarge)
        {
            return TooLarge(options);
        }
        List<ReportedCredential>? items;
        string? error;
        try
        {
            (items, error) = FormIdReportParser.Parse(buffer.AsMemory(0, length));
        }
        finally
        {
            MiniProgramRequestBody.Return(buffer);
        }
        if (error is not null)
        {
            return BadRequest(error);
        }
        if (await directory.FindAccountIdAsync(appId, abort) is not { } accountId)
        {
            return UnknownApp(appId);
        }
        try
        {
            var result = await intake.ReportAsync(accountId, http.User.OpenId(), items!, abort);
            return TypedResults.Ok(new FormIdsReply(result.Accepted, result.Duplicates, result.Rejected));
        }
        catch (ObjectDisposedException)
        {
            return ShuttingDown();
        }
        catch (Exception e) when (DatabaseErrors.IsForeignKeyViolation(e))
        {
            return AccountGone(appId, directory);
        }
    }

    private static async Task<IResult> ReportSubscriptionsAsync(
        string appId, HttpContext http, MiniProgramOptions options, MiniProgramDirectory directory, SubscriptionIntake subscriptions)
    {
        var abort = http.RequestAborted;
        var (entries, problem) = await ReadObjectAsync<List<KeyValuePair<string, string>>>(http, options, root =>
        {
            var list = new List<KeyValuePair<string, string>>();
            foreach (var property in root.EnumerateObject())
            {
                if (property.Name == "errMsg")
                {
                    continue; // wx's own status line ("requestSubscribeMessage:ok"), not a template
                }
                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    return (null, $"The choice for template '{property.Name}' must be a string such as \"accept\".");
                }
                list.Add(new(property.Name, property.Value.GetString()!));
            }
            return list.Count switch
            {
                0 => (null, "The body names no template."),
                > MaxSubscriptionEntries => (null, $"At most {MaxSubscriptionEntries} templates per request."),
                _ => (list, null),
            };
        });
        if (problem is not null)
        {
            return problem;
        }
        if (await directory.FindAccountIdAsync(appId, abort) is not { } accountId)
        {
            return UnknownApp(appId);
        }
        try
        {
            var result = await subscriptions.ReportAsync(accountId, http.User.OpenId(), entries!, abort);
            return TypedResults.Ok(new SubscriptionsReply(result.Granted, result.Rejected));
        }
        catch (Exception e) when (DatabaseErrors.IsForeignKeyViolation(e))
        {
            return AccountGone(appId, directory);
        }
    }

    private static async Task<IResult> RecordEventAsync(
        string appId, HttpContext http, MiniProgramOptions options, MiniProgramDirectory directory, ActivityLog activity)
    {
        var abort = http.RequestAborted;
        var (type, problem) = await ReadObjectAsync<string>(http, options, root =>
            root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && ActivityLog.IsValidType(t.GetString())
                ? (t.GetString(), null)
                : ((string?)null, "'type' is required: a lower-case word of up to 32 characters, such as \"checkin\"."));
        if (problem is not null)
        {
            return problem;
        }
        if (await directory.FindAccountIdAsync(appId, abort) is not { } accountId)
        {
            return UnknownApp(appId);
        }
        try
        {
            await activity.RecordAsync(accountId, http.User.OpenId(), type!, abort);
            return TypedResults.Ok(new EventReply(type!, true));
        }
        catch (Exception e) when (DatabaseErrors.IsForeignKeyViolation(e))
        {
            return AccountGone(appId, directory);
        }
    }

    /// <summary>Reads a capped JSON object body and maps it; a problem result for a body that is too large or not an object.</summary>
    internal static async Task<(T? Value, IResult? Problem)> ReadObjectAsync<T>(
        HttpContext http, MiniProgramOptions options, Func<JsonElement, (T? Value, string? Error)> map)
    {
        var (buffer, length, tooLarge) = await MiniProgramRequestBody.ReadAsync(http.Request, options.MaxBodyBytes, http.RequestAborted);
        if (tooLarge)
        {
            return (default, TooLarge(options));
        }
        try
        {
            using var document = JsonDocument.Parse(buffer.AsMemory(0, length), new JsonDocumentOptions { MaxDepth = 8 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (default, BadRequest(ServiceText.Get("ProblemDetail.NotObject")));
            }
            var (value, error) = map(document.RootElement);
            return error is null ? (value, null) : (default, BadRequest(error));
        }
        catch (JsonException)
        {
            return (default, BadRequest(ServiceText.Get("ProblemDetail.NotJson")));
        }
        finally
        {
            MiniProgramRequestBody.Return(buffer);
        }
    }

    internal static IResult BadRequest(string detail) =>
        ApiProblem.Of(StatusCodes.Status400BadRequest, ProblemTitle.BadRequest, detail);

    /// <summary>The account was deleted after the directory last looked (here or on another node): as unknown as any.</summary>
    private static IResult AccountGone(string appId, MiniProgramDirectory directory)
    {
        directory.Forget(appId);
        return UnknownApp(appId);
    }

    internal static IResult UnknownApp(string appId) =>
        ApiProblem.Of(StatusCodes.Status404NotFound, ProblemTitle.UnknownMiniProgram, ServiceText.Get("ProblemDetail.UnknownMiniProgram", appId));

    private static IResult TooLarge(MiniProgramOptions options) =>
        ApiProblem.Of(StatusCodes.Status413PayloadTooLarge, ProblemTitle.BodyTooLarge, ServiceText.Get("ProblemDetail.BodyTooLarge", options.MaxBodyBytes));

    private static IResult ShuttingDown() =>
        ApiProblem.Of(StatusCodes.Status503ServiceUnavailable, ProblemTitle.ShuttingDown, ServiceText.Get("ProblemDetail.ShuttingDown"));
}
