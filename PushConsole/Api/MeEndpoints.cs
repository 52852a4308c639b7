using System.Security.Claims;

namespace PushConsole.Api;

public static class MeEndpoints
{
    public sealed record MeResponse(string Email, IReadOnlyList<string> Roles);

    public static RouteGroupBuilder MapMeEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/me", (ClaimsPrincipal user) => new MeResponse(
                user.FindFirstValue(ClaimTypes.Email) ?? user.Identity?.Name ?? "",
                user.FindAll(ClaimTypes.Role).Select(c => c.Value).ToList()))
            .WithName("GetMe").WithSummary("The signed-in user of this token and their roles.");
        return api;
    }
}
