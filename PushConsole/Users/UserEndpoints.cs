using PushConsole.Api;

namespace PushConsole.Users;

public static class UserEndpoints
{
    public sealed record CreateUserRequest(string Email, string Password, string Role);

    /// <summary>Admin-only user management for automation; the Users page does the same in the browser.</summary>
    public static RouteGroupBuilder MapUserEndpoints(this RouteGroupBuilder api)
    {
        var users = api.MapGroup("/users").AdminOnly();
        users.MapGet("/", async (UserAdministration admin) => await admin.ListAsync()).WithName("ListUsers");
        users.MapPost("/", async (CreateUserRequest request, UserAdministration admin) =>
        {
            var outcome = await admin.CreateAsync(request.Email ?? "", request.Password ?? "", request.Role ?? "");
            return outcome.Succeeded
                ? Results.Created($"/api/v1/users", new { request.Email, request.Role })
                : ApiProblem.Of(400, ProblemTitle.UserNotCreated, outcome.Error);
        }).WithName("CreateUser");
        users.MapDelete("/{id}", async (string id, UserAdministration admin) =>
        {
            var outcome = await admin.DeleteAsync(id);
            return outcome.Succeeded ? Results.NoContent()
                : outcome.NotFound ? ApiProblem.Of(404, ProblemTitle.NoSuchUser, outcome.Error)
                : ApiProblem.Of(409, ProblemTitle.UserNotDeleted, outcome.Error);
        }).WithName("DeleteUser");
        return api;
    }
}
