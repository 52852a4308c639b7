using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;
using Scalar.AspNetCore;
using PushConsole.Accounts;
using PushConsole.Campaigns;
using PushConsole.Outcomes;
using PushConsole.Channels;
using PushConsole.Templates;
using PushConsole.Credentials;
using PushConsole.Users;

namespace PushConsole.Api;

public static class ApiHosting
{
    /// <summary>Policies for /api/v1: authenticated by API token only, with the user's role.</summary>
    public const string ApiUser = "ApiUser";
    public const string ApiAdmin = "ApiAdmin";
    public const string BearerScheme = "Bearer";

    public static WebApplicationBuilder AddConsoleApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ApiProblem.TranslateDefaultTitle);
        // The API speaks the UI's words: enums travel as their names ("OfficialAccount", "Stable"), in and out.
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            // Every /api/v1 call carries a personal token: say so, so clients and the reference can send it.
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "A personal API token from the console's API tokens page.",
            };
            document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] }];
            return Task.CompletedTask;
        }));
        builder.Services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ApiUser, p => p.AddAuthenticationSchemes(ApiTokenAuthenticationHandler.SchemeName)
                .RequireAuthenticatedUser().RequireRole(Roles.Admin, Roles.Editor))
            .AddPolicy(ApiAdmin, p => p.AddAuthenticationSchemes(ApiTokenAuthenticationHandler.SchemeName)
                .RequireAuthenticatedUser().RequireRole(Roles.Admin));
        return builder;
    }

    public static WebApplication MapConsoleApi(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        // The interactive reference is for people signed in to the console (cookie); its calls use their API token.
        app.MapScalarApiReference("/api/reference", o => o.WithOpenApiRoutePattern("/openapi/{documentName}.json").WithTitle("PushConsole API")
                // No web fonts: the console's users have no internet.
                .DisableDefaultFonts())
            .RequireAuthorization();
        var api = app.MapGroup("/api/v1").RequireAuthorization(ApiUser).WithTags("PushConsole");
        api.MapMeEndpoints();
        api.MapUserEndpoints();
        api.MapAccountEndpoints();
        api.MapCampaignEndpoints();
        api.MapOutcomeEndpoints();
        api.MapChannelEndpoints();
        api.MapTemplateEndpoints();
        api.MapInventoryEndpoints();
        // Senders' tokens (the app backends) may use this route only, so it is outside the ApiUser group.
        Messages.MessageEndpoints.MapMessageEndpoints(app);
        return app;
    }

    /// <summary>
    /// The API has no pages: a request under /api that no route takes (an unknown address; the wrong method or content
    /// type, which routing answers with a bare 405 or 415) is a problem in the caller's language, never the sign-in page
    /// the console's fallback authorization would send it to. Runs after routing, before authentication.
    /// </summary>
    public static WebApplication UseApiRouteMisses(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments("/api") || context.GetEndpoint() is RouteEndpoint)
            {
                await next(context);
            }
            else if (context.GetEndpoint() is { } rejection)
            {
                await rejection.RequestDelegate!(context); // 405 or 415 without a body: the status code pages write the problem
            }
            else
            {
                await ApiProblem.WriteAsync(context, StatusCodes.Status404NotFound, ProblemTitle.NotFound);
            }
        });
        return app;
    }

    /// <summary>The sub-group for admin-only routes.</summary>
    public static RouteGroupBuilder AdminOnly(this RouteGroupBuilder group) => group.RequireAuthorization(ApiAdmin);
}
