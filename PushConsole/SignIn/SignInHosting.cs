using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using PushConsole.Api;
using PushConsole.Persistence;
using PushConsole.Users;

namespace PushConsole.SignIn;

/// <summary>The <c>SignIn</c> section.</summary>
public sealed class SignInOptions
{
    public const string Section = "SignIn";
    public int MaxFailedAttempts { get; set; } = 5;
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);
}

public static class SignInHosting
{
    public static WebApplicationBuilder AddConsoleSignIn(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var signIn = builder.Configuration.GetSection(SignInOptions.Section).Get<SignInOptions>() ?? new SignInOptions();
        services.AddSingleton(TimeProvider.System);
        services.Configure<BootstrapOptions>(builder.Configuration.GetSection(BootstrapOptions.Section));

        services.AddAuthentication(o =>
            {
                o.DefaultScheme = IdentityConstants.ApplicationScheme;
                o.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            .AddIdentityCookies();
        services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = "/account/login";
            o.AccessDeniedPath = "/account/access-denied";
            o.Cookie.Name = "PushConsole.Auth";
        });

        services.AddIdentityCore<ConsoleUser>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.Password.RequiredLength = 8;
                o.Password.RequireNonAlphanumeric = false;
                o.Lockout.AllowedForNewUsers = true;
                o.Lockout.MaxFailedAccessAttempts = signIn.MaxFailedAttempts;
                o.Lockout.DefaultLockoutTimeSpan = signIn.LockoutDuration;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<PushConsoleDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();

        services.AddAuthorizationBuilder()
            // Everything needs sign-in unless it says otherwise (login page, health, mini program endpoints).
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(Policies.AdminOnly, p => p.RequireRole(Roles.Admin))
            .AddPolicy(Policies.Editor, p => p.RequireRole(Roles.Admin, Roles.Editor));

        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, IdentityRevalidatingAuthenticationStateProvider>();
        services.AddScoped<UserBootstrapper>();
        services.AddSingleton<ApiTokenService>();
        services.AddScoped<UserAdministration>();
        return builder;
    }
}

public static class SignInAnnouncement
{
    /// <summary>Says where the console listens and who can sign in, once it is up.</summary>
    public static WebApplication AnnounceSignIn(this WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var bootstrap = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<BootstrapOptions>>().Value;
            var password = string.IsNullOrEmpty(bootstrap.AdminPassword)
                ? "the password printed on the first run (or set Bootstrap:AdminPassword before the first run)"
                : "the password in Bootstrap:AdminPassword";
            app.Logger.LogInformation("PushConsole is ready at {Urls}. Sign in as {Email} with {Password}.",
                string.Join(", ", app.Urls), bootstrap.AdminEmail, password);
        });
        return app;
    }
}
