using System.Globalization;
using CsvHelper;
using PushConsole.Outcomes;

namespace PushConsole.Campaigns;

/// <summary>Streams a run's per-recipient rows as CSV (the API export and the outcomes page's download).</summary>
public static class DeliveryCsv
{
    public static async Task<IResult> WriteAsync(HttpContext http, OutcomeQueries outcomes, long runId, DeliveryFilter filter)
    {
        var run = await outcomes.RunAsync(runId, http.RequestAborted);
        if (run is null)
        {
            return Results.Problem(statusCode: 404, title: "No such run");
        }
        return Results.Stream(async body =>
        {
            await using var csv = CsvWriter.Create(body, CsvWriterOptions.Default, leaveOpen: true);
            csv.WriteHeader(["id", "openid", "status", "skip_reason", "errcode", "errmsg", "errcode_meaning", "msgid",
                "client_msg_id", "credential_id", "attempts", "local_day", "finished_at"]);
            await foreach (var row in outcomes.StreamDeliveriesAsync(runId, filter, http.RequestAborted))
            {
                await csv.WriteRecordAsync(CsvCells.Safe([
                    row.Id.ToString(CultureInfo.InvariantCulture),
                    row.Recipient,
                    row.Status.ToString(),
                    row.SkipReason == Ledger.SkipReason.None ? "" : row.SkipReason.ToString(),
                    row.ErrCode?.ToString(CultureInfo.InvariantCulture) ?? "",
                    row.ErrMsg ?? "",
                    row.ErrCode is null ? "" : ErrorCodeMeanings.Of(row.ErrCode),
                    row.MsgId?.ToString(CultureInfo.InvariantCulture) ?? "",
                    row.ClientMsgId,
                    row.CredentialId?.ToString(CultureInfo.InvariantCulture) ?? "",
                    row.Attempts.ToString(CultureInfo.InvariantCulture),
                    row.LocalDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    row.FinishedAt?.ToString("O", CultureInfo.InvariantCulture) ?? "",
                ]), http.RequestAborted);
            }
        }, "text/csv; charset=utf-8", $"run-{runId}-deliveries.csv");
    }
}
