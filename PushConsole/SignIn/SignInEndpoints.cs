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
        app.MapPost("/account/login", async ([FromForm] LoginForm form, SignInManager<ConsoleUser> signIn, HttpContext http) =>
        {
            var returnUrl = SafeReturnUrl(form.ReturnUrl);
            var email = form.Email?.Trim() ?? "";
            string Back(string error) =>
                $"/account/login?Error={error}&Email={Uri.EscapeDataString(email)}&ReturnUrl={Uri.EscapeDataString(returnUrl)}";
            if (email.Length == 0 || string.IsNullOrEmpty(form.Password))
            {
                return Results.LocalRedirect(Back("missing"));
            }
            var result = await signIn.PasswordSignInAsync(email, form.Password, isPersistent: false, lockoutOnFailure: true);
            if (result.Succeeded)
            {
                return Results.LocalRedirect(returnUrl);
            }
            return Results.LocalRedirect(Back(result.IsLockedOut ? "locked" : "invalid"));
        }).AllowAnonymous();

        app.MapPost("/account/logout", async (SignInManager<ConsoleUser> signIn) =>
        {
            await signIn.SignOutAsync();
            return Results.LocalRedirect("/account/login");
        });
        return app;
    }

    private static string SafeReturnUrl(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//") && !returnUrl.StartsWith("/\\")
            ? returnUrl : "/";
}
