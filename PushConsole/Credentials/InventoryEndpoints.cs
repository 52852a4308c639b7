using PushConsole.Api;

namespace PushConsole.Credentials;

public static class InventoryEndpoints
{
    /// <summary><c>GET /api/v1/inventory?accountId=</c>: the figures of the Credentials dashboard.</summary>
    public static RouteGroupBuilder MapInventoryEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/inventory", async (int? accountId, InventoryQuery inventory, CancellationToken cancellationToken) =>
            {
                if (accountId is null)
                {
                    return ApiProblem.Of(400, ProblemTitle.BadRequest, ServiceText.Get("ProblemDetail.AccountIdMissing"));
                }
                var figures = await inventory.GetAsync(accountId.Value, cancellationToken);
                return figures is null
                    ? ApiProblem.Of(404, ProblemTitle.NoSuchAccount, ServiceText.Get("ProblemDetail.NoAccount", accountId))
                    : Results.Ok(figures);
            })
            .WithName("GetInventory")
            .WithSummary("Reachable users, usable credentials by kind, expiry, distribution and 14-day flow of an account.");
        return api;
    }
}
