using PushConsole.Api;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization;
using PushConsole.Ledger;

namespace PushConsole.Channels;

/// <summary>/api/v1/channels: what a live-streaming system needs to create and edit channels and follow their reminders.</summary>
public static class ChannelEndpoints
{
    public sealed record ReminderView(bool Enabled, int MinutesAhead, ReminderStatus Status, string StatusLabel, string? Reason,
        DateTimeOffset RemindAt, int Occurrence, long? RunId);

    public sealed record ProgressView(int Sent, int Failed, int Unfollowed, int Pending, int Skipped, int Total, double Percent);

    /// <summary>A channel as the API shows it; times carry the offset of the channel's time zone.</summary>
    public sealed record ChannelView(int Id, string Name, int AccountId, string? AccountName, DateTimeOffset StartsAt, string TimeZone,
        int? TemplateId, IReadOnlyDictionary<string, string> Fields, string? Url, string? MiniProgramAppId, string? MiniProgramPagePath,
        ReminderView Reminder, ProgressView? Progress, string PublicPath, int Version)
    {
        public static ChannelView Of(Channel c, BroadcastCounts? counts) => new(c.Id, c.Name, c.AccountId, c.Account?.Name,
            ChannelTime.InZone(c.StartsAt, c.TimeZone), c.TimeZone, c.TemplateId, c.Fields.ToDictionary(f => f.Key, f => f.Value),
            c.Url, c.MiniProgramAppId, c.MiniProgramPagePath,
            new ReminderView(c.ReminderEnabled, c.ReminderMinutesAhead, c.ReminderStatus, ReminderLabels.Of(c.ReminderStatus),
                c.ReminderReason, ChannelTime.InZone(c.RemindAt, c.TimeZone), c.Occurrence, c.CurrentRunId),
            counts is null ? null : new ProgressView(counts.Sent, counts.Failed, counts.Unfollowed, counts.Pending, counts.Skipped,
                counts.Total, Math.Round(counts.Percent, 2)),
            PublicPaths.Of(c), c.Version);
    }

    public sealed record CancelRequest(string? Reason);

    public sealed record DeliveryView(long Id, string OpenId, DeliveryStatus Status, int? ErrCode, string? ErrMsg, long? MsgId,
        string ClientMsgId, int Attempts, DateTimeOffset? FinishedAt);

    /// <summary>Statuses travel as names ("Notifying"), which a live-streaming system can read without our enums.</summary>
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private static IResult Ok(object value) => Results.Json(value, Json);

    public static RouteGroupBuilder MapChannelEndpoints(this RouteGroupBuilder api)
    {
        var channels = api.MapGroup("/channels").WithTags("Channels");
        channels.MapGet("/", async (ChannelService service, BroadcastProgress progress) =>
        {
            var list = await service.ListAsync();
            var views = new List<ChannelView>(list.Count);
            foreach (var c in list)
            {
                views.Add(ChannelView.Of(c, await progress.CountsAsync(c.CurrentRunId)));
            }
            return Ok(views);
        });
        channels.MapGet("/{id:int}", async (int id, ChannelService service, BroadcastProgress progress) =>
            await service.FindAsync(id) is { } c
                ? Ok(ChannelView.Of(c, await progress.CountsAsync(c.CurrentRunId)))
                : NotFound());
        channels.MapPost("/", async (ChannelInput input, ChannelService service, HttpContext http) =>
        {
            var result = await service.CreateAsync(input);
            if (!result.Succeeded)
            {
                return Problem(result);
            }
            http.Response.Headers.Location = $"/api/v1/channels/{result.Channel!.Id}";
            return Results.Json(ChannelView.Of((await service.FindAsync(result.Channel.Id))!, null), Json, statusCode: StatusCodes.Status201Created);
        });
        channels.MapPut("/{id:int}", async (int id, ChannelInput input, ChannelService service, BroadcastProgress progress) =>
        {
            var result = await service.UpdateAsync(id, input);
            if (!result.Succeeded)
            {
                return Problem(result);
            }
            var saved = (await service.FindAsync(id))!;
            return Ok(ChannelView.Of(saved, await progress.CountsAsync(saved.CurrentRunId)));
        });
        channels.MapDelete("/{id:int}", async (int id, ChannelService service) =>
            await service.DeleteAsync(id) ? Results.NoContent() : NotFound());
        channels.MapPost("/{id:int}/reminder/cancel", async (int id, CancelRequest? request, ChannelService service, ClaimsPrincipal user,
            BroadcastProgress progress) =>
        {
            var result = await service.CancelReminderAsync(id, request?.Reason, user.Identity?.Name);
            return result.Succeeded
                ? Ok(ChannelView.Of(result.Channel!, await progress.CountsAsync(result.Channel!.CurrentRunId)))
                : Problem(result);
        });
        // The broadcast's controls are the run's (RunControl), reached through the channel so a caller needs no run id.
        channels.MapPost("/{id:int}/reminder/send-now", (int id, ChannelService service, ClaimsPrincipal user, BroadcastProgress progress) =>
            ReminderActionAsync(service.SendNowAsync(id, user.Identity?.Name), progress))
            .WithSummary("Starts the reminder broadcast now instead of at its reminder time (only before the live begins).");
        channels.MapPost("/{id:int}/reminder/pause", (int id, ChannelService service, ClaimsPrincipal user, BroadcastProgress progress) =>
            ReminderActionAsync(service.PauseBroadcastAsync(id, user.Identity?.Name), progress))
            .WithSummary("Pauses the reminder broadcast under way.");
        channels.MapPost("/{id:int}/reminder/resume", (int id, ChannelService service, ClaimsPrincipal user, BroadcastProgress progress) =>
            ReminderActionAsync(service.ResumeBroadcastAsync(id, user.Identity?.Name), progress))
            .WithSummary("Resumes a paused reminder broadcast with the followers not yet sent to.");
        channels.MapGet("/{id:int}/deliveries.csv", async (int id, ChannelService service, PushConsole.Outcomes.OutcomeQueries outcomes, DeliveryStatus? status,
            int? errcode, HttpContext http) =>
            await service.FindAsync(id) is not { } c ? NotFound()
                : c.CurrentRunId is long run ? await PushConsole.Campaigns.DeliveryCsv.WriteAsync(http, outcomes, run, new PushConsole.Outcomes.DeliveryFilter(status, errcode))
                : ApiProblem.Of(404, ProblemTitle.NoBroadcastYet))
            .WithSummary("The current broadcast's sends as CSV, the same file as the run's deliveries.csv.");
        channels.MapGet("/{id:int}/outcomes", async (int id, ChannelService service, BroadcastProgress progress) =>
            await service.FindAsync(id) is { } c
                ? Ok(c.CurrentRunId is long run ? await progress.OutcomesAsync(run) : Array.Empty<OutcomeCount>())
                : NotFound());
        channels.MapGet("/{id:int}/deliveries", async (int id, DeliveryStatus? status, int? errcode, string? search, int? skip, int? take,
            ChannelService service, BroadcastProgress progress) =>
        {
            if (ApiPaging.Refusal(skip, take, 1000) is { } refusal)
            {
                return refusal;
            }
            if (await service.FindAsync(id) is not { } c)
            {
                return NotFound();
            }
            if (c.CurrentRunId is not long run)
            {
                return Ok(new { total = 0, rows = Array.Empty<DeliveryView>() });
            }
            var (rows, total) = await progress.DeliveriesAsync(run, status, errcode, search, skip ?? 0, take ?? 100);
            return Ok(new
            {
                total,
                rows = rows.Select(d => new DeliveryView(d.Id, d.Recipient, d.Status, d.ErrCode, d.ErrMsg, d.MsgId, d.ClientMsgId, d.Attempts, d.FinishedAt)),
            });
        }).WithSummary("The current broadcast's sends, paged; status, errcode and search (a part of the openid, or an errcode) narrow them.");
        return api;
    }

    private static async Task<IResult> ReminderActionAsync(Task<ChannelService.Result> action, BroadcastProgress progress)
    {
        var result = await action;
        return result.Succeeded
            ? Ok(ChannelView.Of(result.Channel!, await progress.CountsAsync(result.Channel!.CurrentRunId)))
            : Problem(result);
    }

    private static IResult NotFound() => ApiProblem.Of(404, ProblemTitle.NoSuchChannel);

    private static IResult Problem(ChannelService.Result result) => ApiProblem.Of(
        result.NotFound ? 404 : result.Conflict ? 409 : 400,
        result.NotFound ? ProblemTitle.NoSuchChannel : result.Conflict ? ProblemTitle.ChannelConflict : ProblemTitle.ChannelInvalid,
        string.Join(" ", result.Errors));
}

/// <summary>Addresses of the anonymous channel pages viewers open.</summary>
public static class PublicPaths
{
    public static string Of(Channel channel) => $"/live/{channel.PublicId}";
}
