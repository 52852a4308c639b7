using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.RateLimiting;
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

    /// <summary>Sign-in attempts one client address may make per <see cref="AttemptWindow"/>, whichever accounts it tries.</summary>
    public int AttemptsPerAddress { get; set; } = 20;
    public TimeSpan AttemptWindow { get; set; } = TimeSpan.FromMinutes(5);

    public void Validate()
    {
        if (MaxFailedAttempts < 1 || LockoutDuration <= TimeSpan.Zero || AttemptsPerAddress < 1 || AttemptWindow < TimeSpan.FromSeconds(1))
        {
            throw new ConfigurationException("SignIn:MaxFailedAttempts and SignIn:AttemptsPerAddress must be positive, " +
                "SignIn:LockoutDuration and SignIn:AttemptWindow at least one second.");
        }
    }
}

public static class SignInHosting
{
    /// <summary>Rate-limit policy of the sign-in form post, partitioned by client address.</summary>
    public const string AttemptsPerAddress = "SignInAttemptsPerAddress";

    public static WebApplicationBuilder AddConsoleSignIn(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var signIn = builder.Configuration.GetSection(SignInOptions.Section).Get<SignInOptions>() ?? new SignInOptions();
        signIn.Validate();
        services.AddSingleton(signIn);
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
        // Every request re-reads the user's security stamp: a lock, a role change or a password reset by an admin
        // ends the cookie's authority on its next request, not when it expires.
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.Zero);
        services.AddRateLimiter(o => o.AddPolicy(AttemptsPerAddress, http =>
            RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = signIn.AttemptsPerAddress, Window = signIn.AttemptWindow, QueueLimit = 0, AutoReplenishment = true,
            })));

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
            .AddErrorDescriber<ConsoleIdentityErrors>()
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
        services.AddSingleton<ApiTokenPrincipals>();
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
