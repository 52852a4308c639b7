using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using PushConsole.Users;

namespace PushConsole.SignIn;

public static class SignInEndpoints
{
    public sealed class LoginForm
    {
        public string? Email { get; set; }
        public string? Password { get; set; }
        public string? ReturnUrl { get; set; }
    }

    public static WebApplication MapSignIn(this WebApplication app)
    {
        // A plain form post: antiforgery is validated by UseAntiforgery for form-bound endpoints.
        app.MapPost("/account/login", async ([FromForm] LoginForm form, SignInManager<ConsoleUser> signIn, IPasswordHasher<ConsoleUser> hasher, UserAdministration users) =>
        {
            var returnUrl = SafeReturnUrl(form.ReturnUrl);
            var email = form.Email?.Trim() ?? "";
            string Back(string error) =>
                $"/account/login?Error={error}&Email={Uri.EscapeDataString(email)}&ReturnUrl={Uri.EscapeDataString(returnUrl)}";
            if (email.Length == 0 || string.IsNullOrEmpty(form.Password))
            {
                return Results.LocalRedirect(Back("missing"));
            }
            var user = await signIn.UserManager.FindByNameAsync(email);
            if (user is null)
            {
                // Hash the password all the same: an unknown email must take as long as a known one, or the time to
                // answer tells which emails have an account.
                hasher.VerifyHashedPassword(UnknownUser, UnknownUserHash.Value, form.Password);
                return Results.LocalRedirect(Back("invalid"));
            }
            var result = await signIn.PasswordSignInAsync(user, form.Password, isPersistent: false, lockoutOnFailure: true);
            if (result.Succeeded)
            {
                await users.SignedInAsync(user);
                return Results.LocalRedirect(returnUrl);
            }
            return Results.LocalRedirect(Back(result.IsLockedOut ? "locked" : "invalid"));
        }).AllowAnonymous().RequireRateLimiting(SignInHosting.AttemptsPerAddress);

        app.MapPost("/account/logout", async (SignInManager<ConsoleUser> signIn) =>
        {
            await signIn.SignOutAsync();
            return Results.LocalRedirect("/account/login");
        });
        return app;
    }

    private static readonly ConsoleUser UnknownUser = new() { UserName = "unknown" };
    private static readonly Lazy<string> UnknownUserHash = new(() =>
        new PasswordHasher<ConsoleUser>().HashPassword(UnknownUser, Guid.NewGuid().ToString()));

    /// <summary>A local path to go back to, by the rule LocalRedirect applies (no scheme, no //, no control characters), else home.</summary>
    private static string SafeReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url[0] == '/' && (url.Length == 1 || (url[1] is not ('/' or '\\') && !url.Any(char.IsControl)))
            ? url : "/";
}
