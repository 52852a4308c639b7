using PushConsole.Credentials;

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
                    return Results.Problem(statusCode: 400, title: "Bad request", detail: "Give the account as ?accountId=.");
                }
                var figures = await inventory.GetAsync(accountId.Value, cancellationToken);
                return figures is null
                    ? Results.Problem(statusCode: 404, title: "Unknown account", detail: $"There is no account {accountId}.")
                    : Results.Ok(figures);
            })
            .WithName("GetInventory")
            .WithSummary("Reachable users, usable credentials by kind, expiry, distribution and 14-day flow of an account.");
        return api;
    }
}
