using PushConsole.Api;

namespace PushConsole.Accounts;

public static class AccountEndpoints
{
    /// <summary>An account as the API shows it: everything but the secret.</summary>
    public sealed record AccountView(int Id, string Name, AccountKind Kind, string AppId, string ApiBaseUrl, int SendRatePerSecond,
        int DailyQuota, string TimeZone, TokenMode TokenMode, TimeOnly? QuietFrom, TimeOnly? QuietUntil, bool HasSecret, string? FollowUrl)
    {
        public static AccountView Of(WeChatAccount a) => new(a.Id, a.Name, a.Kind, a.AppId, a.ApiBaseUrl, a.SendRatePerSecond,
            a.DailyQuota, a.TimeZone, a.TokenMode, a.QuietFrom, a.QuietUntil, a.SecretCipher.Length > 0, a.FollowUrl);
    }

    public static RouteGroupBuilder MapAccountEndpoints(this RouteGroupBuilder api)
    {
        var accounts = api.MapGroup("/accounts").WithTags("Accounts");
        accounts.MapGet("/", async (AccountService service) => (await service.ListAsync()).Select(AccountView.Of));
        accounts.MapGet("/{id:int}", async (int id, AccountService service) =>
            await service.FindAsync(id) is { } a ? Results.Ok(AccountView.Of(a)) : NotFound());

        var admin = accounts.MapGroup("").AdminOnly();
        admin.MapPost("/", async (AccountInput input, AccountService service) =>
        {
            var result = await service.CreateAsync(input);
            return result.Succeeded
                ? Results.Created($"/api/v1/accounts/{result.Account!.Id}", AccountView.Of(result.Account))
                : Invalid(result.Errors);
        });
        admin.MapPut("/{id:int}", async (int id, AccountInput input, AccountService service) =>
        {
            var result = await service.UpdateAsync(id, input);
            return result.Succeeded ? Results.Ok(AccountView.Of(result.Account!)) : Invalid(result.Errors);
        });
        admin.MapDelete("/{id:int}", async (int id, string? confirm, AccountService service) =>
        {
            // The database cascades to everything the account owns: the caller confirms by naming its AppID.
            if (await service.DeletionSummaryAsync(id) is not { } summary)
            {
                return NotFound();
            }
            if (!string.Equals(confirm, summary.AppId, StringComparison.Ordinal))
            {
                return ApiProblem.Of(400, ProblemTitle.ConfirmDeletion,
                    ServiceText.Get("ProblemDetail.ConfirmDeletion", summary.Describe(), summary.AppId),
                    new Dictionary<string, object?> { ["wouldDelete"] = summary });
            }
            return await service.DeleteAsync(id) ? Results.NoContent() : NotFound();
        }).WithSummary("Deletes the account and everything it owns; needs ?confirm=<appId> (without it, answers what would be deleted).");
        return api;
    }

    private static IResult Invalid(IReadOnlyList<string> errors) =>
        ApiProblem.Of(400, ProblemTitle.AccountInvalid, string.Join(" ", errors));

    private static IResult NotFound() => ApiProblem.Of(404, ProblemTitle.NoSuchAccount);
}
