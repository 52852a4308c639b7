using PushConsole.Users;

namespace PushConsole.Tests.Infrastructure;

public static class TestUsers
{
    public const string Password = "Editor-Pa55word";

    public static async Task<string> CreateAsync(ConsoleHost host, string email, string role, string password = Password)
    {
        using var scope = host.Services.CreateScope();
        var admin = scope.ServiceProvider.GetRequiredService<UserAdministration>();
        var outcome = await admin.CreateAsync(email, password, role);
        Assert.True(outcome.Succeeded, outcome.Error);
        return (await admin.ListAsync()).Single(u => u.Email == email).Id;
    }

    /// <summary>Creates a user and a personal API token of theirs; returns the plain token.</summary>
    public static async Task<string> CreateWithTokenAsync(ConsoleHost host, string email, string role)
    {
        var userId = await CreateAsync(host, email, role);
        var created = await host.Services.GetRequiredService<ApiTokenService>().CreateAsync(userId, "test");
        return created.PlainValue;
    }
}
