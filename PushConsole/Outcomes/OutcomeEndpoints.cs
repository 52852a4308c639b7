using PushConsole.Api;
using PushConsole.Campaigns;
using PushConsole.Users;

namespace PushConsole.Outcomes;

public static class OutcomeEndpoints
{
    /// <summary>/api/v1/outcomes: sends per day by outcome, top error codes, today's totals.</summary>
    public static RouteGroupBuilder MapOutcomeEndpoints(this RouteGroupBuilder api)
    {
        var outcomes = api.MapGroup("/outcomes").WithTags("Outcomes");
        outcomes.MapGet("/daily", async (OutcomeQueries queries, int? days, int? accountId, CancellationToken ct) =>
            ApiPaging.OutOfRange("days", days, 1, 366) ?? Results.Ok(await queries.DailyAsync(days ?? 14, accountId, ct))).WithName("DailyOutcomes")
            .WithSummary("Finished deliveries per account-local day and outcome.");
        outcomes.MapGet("/errors", async (OutcomeQueries queries, int? days, int? top, int? accountId, long? runId, CancellationToken ct) =>
            ApiPaging.OutOfRange("days", days, 1, 366) ?? ApiPaging.OutOfRange("top", top, 1, 100)
                ?? Results.Ok(await queries.TopErrorsAsync(days ?? 14, top ?? 10, accountId, runId, ct)))
            .WithName("TopErrors").WithSummary("The most frequent errcodes of failed deliveries, with their meaning.");
        outcomes.MapGet("/kinds", async (OutcomeQueries queries, int? days, int? accountId, CancellationToken ct) =>
            ApiPaging.OutOfRange("days", days, 1, 366) ?? Results.Ok(await queries.ByKindAsync(days ?? 14, accountId, ct))).WithName("OutcomesByKind")
            .WithSummary("Finished deliveries per kind of run (Campaign, Broadcast, Message) and outcome.");
        outcomes.MapGet("/today", async (OutcomeQueries queries, CancellationToken ct) =>
            (await queries.TodayAsync(ct)).ToDictionary(p => p.Key.ToString(), p => p.Value)).WithName("TodayOutcomes");
        return api;
    }

    /// <summary>The CSV download of the outcomes page, for a signed-in admin or editor (the API needs a token).</summary>
    public static WebApplication MapOutcomeDownloads(this WebApplication app)
    {
        app.MapGet("/outcomes/runs/{id:long}/deliveries.csv", (long id, OutcomeQueries outcomes, Ledger.DeliveryStatus? status, int? errcode,
                HttpContext http) => DeliveryCsv.WriteAsync(http, outcomes, id, new DeliveryFilter(status, errcode)))
            .RequireAuthorization(Policies.Editor)
            .ExcludeFromDescription();
        // The outcomes page's period: every finished row of its account-local days, of the chosen account or all.
        app.MapGet("/outcomes/deliveries.csv", (DateOnly? from, DateOnly? to, int? accountId, OutcomeQueries outcomes, HttpContext http) =>
                from is null || to is null || to < from || to.Value.DayNumber - from.Value.DayNumber > 366
                    ? ApiProblem.Of(400, ProblemTitle.InvalidPeriod, ServiceText.Get("ProblemDetail.Period"))
                    : DeliveryCsv.WritePeriod(http, outcomes, new OutcomePeriod(from.Value, to.Value), accountId))
            .RequireAuthorization(Policies.Editor)
            .ExcludeFromDescription();
        return app;
    }
}
