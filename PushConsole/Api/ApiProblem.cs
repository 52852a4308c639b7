using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace PushConsole.Api;

/// <summary>
/// The title of a problem the console's HTTP API answers: a ServiceText key, said in the caller's language (the
/// request's Accept-Language, as the API's input errors are). Titles exist only as the fields below, so a test reads
/// them all and checks each in both languages; <see cref="ApiProblem"/> takes nothing else.
/// </summary>
public sealed class ProblemTitle
{
    private ProblemTitle(string key) => Key = key;

    public string Key { get; }

    public static readonly ProblemTitle BadRequest = new("Problem.BadRequest");
    public static readonly ProblemTitle Unauthorized = new("Problem.Unauthorized");
    public static readonly ProblemTitle Forbidden = new("Problem.Forbidden");
    public static readonly ProblemTitle InvalidQuery = new("Problem.InvalidQuery");
    public static readonly ProblemTitle InvalidPeriod = new("Problem.InvalidPeriod");
    public static readonly ProblemTitle NoSuchAccount = new("Problem.NoSuchAccount");
    public static readonly ProblemTitle AccountInvalid = new("Problem.AccountInvalid");
    public static readonly ProblemTitle ConfirmDeletion = new("Problem.ConfirmDeletion");
    public static readonly ProblemTitle NoSuchCampaign = new("Problem.NoSuchCampaign");
    public static readonly ProblemTitle NoSuchCampaignOrDisabled = new("Problem.NoSuchCampaignOrDisabled");
    public static readonly ProblemTitle CampaignInvalid = new("Problem.CampaignInvalid");
    public static readonly ProblemTitle ListTooLarge = new("Problem.ListTooLarge");
    public static readonly ProblemTitle NoSuchRun = new("Problem.NoSuchRun");
    public static readonly ProblemTitle RunConflict = new("Problem.RunConflict");
    public static readonly ProblemTitle NoSuchChannel = new("Problem.NoSuchChannel");
    public static readonly ProblemTitle ChannelInvalid = new("Problem.ChannelInvalid");
    public static readonly ProblemTitle ChannelConflict = new("Problem.ChannelConflict");
    public static readonly ProblemTitle NoBroadcastYet = new("Problem.NoBroadcastYet");
    public static readonly ProblemTitle NoSuchTemplate = new("Problem.NoSuchTemplate");
    public static readonly ProblemTitle TemplateInvalid = new("Problem.TemplateInvalid");
    public static readonly ProblemTitle TemplatesNotListed = new("Problem.TemplatesNotListed");
    public static readonly ProblemTitle NoSuchUser = new("Problem.NoSuchUser");
    public static readonly ProblemTitle UserNotCreated = new("Problem.UserNotCreated");
    public static readonly ProblemTitle UserNotDeleted = new("Problem.UserNotDeleted");
    public static readonly ProblemTitle NoSuchMessage = new("Problem.NoSuchMessage");
    public static readonly ProblemTitle MessageInvalid = new("Problem.MessageInvalid");
    public static readonly ProblemTitle NoUsableCredential = new("Problem.NoUsableCredential");
    public static readonly ProblemTitle IdempotencyKeyUsed = new("Problem.IdempotencyKeyUsed");
    public static readonly ProblemTitle NoWebhook = new("Problem.NoWebhook");
    public static readonly ProblemTitle UnknownMiniProgram = new("Problem.UnknownMiniProgram");
    public static readonly ProblemTitle BodyTooLarge = new("Problem.BodyTooLarge");
    public static readonly ProblemTitle ShuttingDown = new("Problem.ShuttingDown");
    public static readonly ProblemTitle TooManyRequests = new("Problem.TooManyRequests");
    public static readonly ProblemTitle TooManyLogins = new("Problem.TooManyLogins");
    public static readonly ProblemTitle LoginCodeRefused = new("Problem.LoginCodeRefused");
    public static readonly ProblemTitle LoginBlocked = new("Problem.LoginBlocked");
    public static readonly ProblemTitle WeChatUnavailable = new("Problem.WeChatUnavailable");
    public static readonly ProblemTitle WeChatLoginFailed = new("Problem.WeChatLoginFailed");
    public static readonly ProblemTitle NotFound = new("Problem.NotFound");
    public static readonly ProblemTitle MethodNotAllowed = new("Problem.MethodNotAllowed");
    public static readonly ProblemTitle UnsupportedMediaType = new("Problem.UnsupportedMediaType");
    public static readonly ProblemTitle Failed = new("Problem.Failed");

    /// <summary>Every title there is (the test's list).</summary>
    public static IReadOnlyList<ProblemTitle> All { get; } = typeof(ProblemTitle)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.FieldType == typeof(ProblemTitle))
        .Select(f => (ProblemTitle)f.GetValue(null)!)
        .ToList();
}

/// <summary>
/// Every problem+json answer of the console's HTTP API is made here: the title in the caller's language, the detail as
/// the caller gives it (each caller writes it with ServiceText); the machine-readable parts (type, status, extensions
/// such as errcode or errors) stay as they are.
/// </summary>
public static class ApiProblem
{
    public static ProblemHttpResult Of(int status, ProblemTitle title, string? detail = null, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(statusCode: status, title: ServiceText.Get(title.Key), detail: detail, extensions: extensions);

    /// <summary>
    /// Problems the framework writes itself (an unexpected exception, a request it could not bind or route) carry its
    /// English default title: those get the caller's language too. Titles made by <see cref="Of"/> are already translated.
    /// </summary>
    public static void TranslateDefaultTitle(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var title = problem.Status switch
        {
            400 => ProblemTitle.BadRequest,
            401 => ProblemTitle.Unauthorized,
            403 => ProblemTitle.Forbidden,
            404 => ProblemTitle.NotFound,
            405 => ProblemTitle.MethodNotAllowed,
            415 => ProblemTitle.UnsupportedMediaType,
            >= 500 => ProblemTitle.Failed,
            _ => null,
        };
        if (title is not null && problem.Status is int status
            && (problem.Title == Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) || problem.Title == FrameworkFailureTitle))
        {
            // An exception reaches the handler outside the localization middleware, whose culture stays behind: read the request's.
            var culture = context.HttpContext.Features.Get<IRequestCultureFeature>()?.RequestCulture.UICulture ?? CultureInfo.CurrentUICulture;
            problem.Title = ServiceText.In(culture, title.Key);
        }
    }

    private const string FrameworkFailureTitle = "An error occurred while processing your request.";

    /// <summary>Writes the problem straight to the response (authentication handlers, middleware).</summary>
    public static Task WriteAsync(HttpContext http, int status, ProblemTitle title, string? detail = null) =>
        Of(status, title, detail).ExecuteAsync(http);
}
