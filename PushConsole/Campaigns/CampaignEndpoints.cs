using PushConsole.Api;
using System.Security.Claims;
using PushConsole.Ledger;
using PushConsole.Outcomes;
using PushConsole.Sending;

namespace PushConsole.Campaigns;

/// <summary>/api/v1 for campaigns and their runs (admins and editors).</summary>
public static class CampaignEndpoints
{
    /// <summary>A campaign as the API shows it: what can be set, plus what the console knows about it.</summary>
    public sealed record CampaignView(int Id, string Name, int AccountId, string AccountName, int TemplateId, string TemplateTitle,
        AudienceKind Audience, int UploadedCount, ScheduleKind Schedule, DateTimeOffset? StartAt, string? Cron, string? TimeZone,
        string ScheduleText, DateTimeOffset? NextFire, int DailyCapPerUser, bool Enabled, string CreatedBy, DateTimeOffset CreatedAt,
        DateTimeOffset UpdatedAt, long? LastRunId, RunStatus? LastRunStatus);

    public static RouteGroupBuilder MapCampaignEndpoints(this RouteGroupBuilder api)
    {
        var campaigns = api.MapGroup("/campaigns").WithTags("Campaigns");
        campaigns.MapGet("/", async (CampaignService service, CancellationToken ct) =>
            (await service.ListAsync(ct)).Select(ViewOf)).WithName("ListCampaigns");
        campaigns.MapGet("/{id:int}", async (int id, CampaignService service, CancellationToken ct) =>
            await ViewAsync(id, service, ct) is { } view ? Results.Ok(view) : NotFound(ProblemTitle.NoSuchCampaign)).WithName("GetCampaign");
        campaigns.MapPost("/", async (CampaignInput input, CampaignService service, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var result = await service.CreateAsync(input, NameOf(user), ct);
            return result.Succeeded
                ? Results.Created($"/api/v1/campaigns/{result.Campaign!.Id}", await ViewAsync(result.Campaign.Id, service, ct))
                : Invalid(result.Errors);
        }).WithName("CreateCampaign").WithSummary("Creates a campaign; a \"Now\" schedule sends at once.");
        campaigns.MapPut("/{id:int}", async (int id, CampaignInput input, CampaignService service, CancellationToken ct) =>
        {
            var result = await service.UpdateAsync(id, input, ct);
            return result.Succeeded ? Results.Ok(await ViewAsync(id, service, ct))
                : IsMissing(result.Errors) ? NotFound(ProblemTitle.NoSuchCampaign) : Invalid(result.Errors);
        }).WithName("UpdateCampaign");
        campaigns.MapDelete("/{id:int}", async (int id, CampaignService service, ClaimsPrincipal user, CancellationToken ct) =>
            await service.DeleteAsync(id, NameOf(user), ct) ? Results.NoContent() : NotFound(ProblemTitle.NoSuchCampaign)).WithName("DeleteCampaign");
        campaigns.MapGet("/{id:int}/recipients", async (int id, CampaignService service, CancellationToken ct) =>
            await service.FindAsync(id, ct) is null ? NotFound(ProblemTitle.NoSuchCampaign) : Results.Ok(await service.RecipientsAsync(id, ct)))
            .WithName("GetCampaignRecipients");
        campaigns.MapPut("/{id:int}/recipients", async (int id, HttpRequest request, CampaignService service, CancellationToken ct) =>
        {
            if (await service.FindAsync(id, ct) is not { } campaign)
            {
                return NotFound(ProblemTitle.NoSuchCampaign);
            }
            if (request.ContentLength > RecipientCsv.MaxBytes)
            {
                return ApiProblem.Of(413, ProblemTitle.ListTooLarge);
            }
            var input = CampaignInput.From(campaign);
            input.Audience = AudienceKind.UploadedList;
            input.Recipients = await RecipientCsv.ReadAsync(request.Body, ct);
            var result = await service.UpdateAsync(id, input, ct);
            return result.Succeeded ? Results.Ok(await ViewAsync(id, service, ct)) : Invalid(result.Errors);
        }).WithName("UploadCampaignRecipients").WithSummary("Replaces the audience with the openids of a CSV body (text/csv).");
        campaigns.MapPost("/dry-run", async (CampaignInput input, CampaignDryRun dryRun, CancellationToken ct) =>
            DryRunResult(await dryRun.RunAsync(input, null, ct))).WithName("DryRunCampaign")
            .WithSummary("What a campaign would do if it ran now: audience, users with a usable credential, capped users, expected sends.");
        campaigns.MapPost("/{id:int}/dry-run", async (int id, CampaignService service, CampaignDryRun dryRun, CancellationToken ct) =>
            await service.FindAsync(id, ct) is { } campaign
                ? DryRunResult(await dryRun.RunAsync(CampaignInput.From(campaign), id, ct))
                : NotFound(ProblemTitle.NoSuchCampaign)).WithName("DryRunSavedCampaign");
        campaigns.MapPost("/{id:int}/runs", async (int id, CampaignService service, CancellationToken ct) =>
            await service.RunNowAsync(id, ct) ? Results.Accepted($"/api/v1/campaigns/{id}/runs") : ApiProblem.Of(404, ProblemTitle.NoSuchCampaignOrDisabled))
            .WithName("RunCampaignNow").WithSummary("Fires the campaign now, outside its schedule.");
        campaigns.MapGet("/{id:int}/runs", async (int id, OutcomeQueries outcomes, int? take, CancellationToken ct) =>
            ApiPaging.Refusal(0, take, 500) ?? Results.Ok(await outcomes.RunsAsync(take ?? 50, id, ct))).WithName("ListCampaignRuns");

        var runs = api.MapGroup("/runs").WithTags("Runs");
        runs.MapGet("/", async (OutcomeQueries outcomes, int? take, CancellationToken ct) =>
            ApiPaging.Refusal(0, take, 500) ?? Results.Ok(await outcomes.RunsAsync(take ?? 50, null, ct))).WithName("ListRuns");
        runs.MapGet("/{id:long}", async (long id, OutcomeQueries outcomes, CancellationToken ct) =>
            await outcomes.RunAsync(id, ct) is { } run ? Results.Ok(run) : NotFound(ProblemTitle.NoSuchRun))
            .WithName("GetRun").WithSummary("The run's status, why, and its counters by delivery status.");
        foreach (var command in Enum.GetValues<RunCommand>())
        {
            runs.MapPost($"/{{id:long}}/{command.ToString().ToLowerInvariant()}", async (long id, RunControl control, ClaimsPrincipal user, CancellationToken ct) =>
            {
                var result = await control.ExecuteAsync(id, command, NameOf(user), ct);
                return result.Status is null ? NotFound(ProblemTitle.NoSuchRun)
                    : result.Succeeded ? Results.Ok(new { id, status = result.Status })
                    : ApiProblem.Of(409, ProblemTitle.RunConflict, result.Error);
            }).WithName($"{command}Run");
        }
        runs.MapGet("/{id:long}/deliveries", async (long id, OutcomeQueries outcomes, DeliveryStatus? status, int? errcode, string? recipient,
            int? skip, int? take, CancellationToken ct) =>
            ApiPaging.Refusal(skip, take, 1000) ?? (await outcomes.RunAsync(id, ct) is null ? NotFound(ProblemTitle.NoSuchRun)
                : Results.Ok(await outcomes.DeliveriesAsync(id, new DeliveryFilter(status, errcode, recipient), skip ?? 0, take ?? 100, ct))))
            .WithName("ListRunDeliveries").WithSummary("Per-recipient rows of a run, paged, filterable by status and errcode.");
        runs.MapGet("/{id:long}/deliveries.csv", (long id, OutcomeQueries outcomes, DeliveryStatus? status, int? errcode, HttpContext http) =>
            DeliveryCsv.WriteAsync(http, outcomes, id, new DeliveryFilter(status, errcode))).WithName("ExportRunDeliveries");
        return api;
    }

    private static string NameOf(ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.Email) ?? user.Identity?.Name ?? "unknown";

    private static async Task<CampaignView?> ViewAsync(int id, CampaignService service, CancellationToken ct)
    {
        var summary = await service.SummaryAsync(id, ct);
        return summary is null ? null : ViewOf(summary);
    }

    // The list and the detail answer the same view: every field comes from the summary.
    private static CampaignView ViewOf(CampaignSummary s) => new(s.Id, s.Name, s.AccountId, s.AccountName, s.TemplateId,
        s.TemplateTitle, s.Audience, s.UploadedCount, s.Schedule, s.StartAt, s.Cron, s.TimeZone, s.ScheduleText, s.NextFire,
        s.DailyCapPerUser, s.Enabled, s.CreatedBy, s.CreatedAt, s.UpdatedAt, s.LastRunId, s.LastRunStatus);

    private static IResult DryRunResult(DryRunResult result) =>
        result.Succeeded ? Results.Ok(result) : Invalid(result.Errors);

    private static IResult NotFound(ProblemTitle title) => ApiProblem.Of(404, title);

    // The service says "no such campaign" in the caller's language, the same language this compares in.
    private static bool IsMissing(IReadOnlyList<string> errors) => errors is [var only] && only == ServiceText.Get("Campaign.Missing");

    private static IResult Invalid(IReadOnlyList<string> errors) =>
        ApiProblem.Of(400, ProblemTitle.CampaignInvalid, string.Join(" ", errors),
            extensions: new Dictionary<string, object?> { ["errors"] = errors });
}
