using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
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

    public static WebApplicationBuilder AddConsoleApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi();
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
        var api = app.MapGroup("/api/v1").RequireAuthorization(ApiUser).WithTags("PushConsole");
        api.MapMeEndpoints();
        api.MapUserEndpoints();
        api.MapAccountEndpoints();
        api.MapCampaignEndpoints();
        api.MapOutcomeEndpoints();
        api.MapChannelEndpoints();
        api.MapTemplateEndpoints();
        api.MapInventoryEndpoints();
        return app;
    }

    /// <summary>The sub-group for admin-only routes.</summary>
    public static RouteGroupBuilder AdminOnly(this RouteGroupBuilder group) => group.RequireAuthorization(ApiAdmin);
}
