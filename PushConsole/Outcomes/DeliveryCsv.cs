using System.Globalization;
using CsvHelper;
using PushConsole.Outcomes;

namespace PushConsole.Campaigns;

/// <summary>
/// Streams per-recipient ledger rows as CSV: one run's (the API export and the run page's download) or a period's. An
/// errcode's meaning comes first, in the reader's language; WeChat's own errmsg follows in a column saying it is WeChat's.
/// </summary>
public static class DeliveryCsv
{
    private static readonly string[] Columns = ["id", "openid", "status", "skip_reason", "errcode", "errcode_meaning", "wechat_errmsg", "msgid",
        "client_msg_id", "credential_id", "attempts", "local_day", "finished_at"];

    public static async Task<IResult> WriteAsync(HttpContext http, OutcomeQueries outcomes, long runId, DeliveryFilter filter)
    {
        var run = await outcomes.RunAsync(runId, http.RequestAborted);
        if (run is null)
        {
            return Api.ApiProblem.Of(404, Api.ProblemTitle.NoSuchRun);
        }
        return Stream(http, outcomes.StreamDeliveriesAsync(runId, filter, http.RequestAborted), withRun: false, $"run-{runId}-deliveries.csv");
    }

    /// <summary>Every finished row of the period's account-local days, with the run each belongs to.</summary>
    public static IResult WritePeriod(HttpContext http, OutcomeQueries outcomes, OutcomePeriod period, int? accountId) =>
        Stream(http, outcomes.StreamFinishedAsync(period, accountId, http.RequestAborted), withRun: true,
            $"deliveries-{period.From:yyyy-MM-dd}-{period.To:yyyy-MM-dd}.csv");

    private static IResult Stream(HttpContext http, IAsyncEnumerable<DeliveryRow> rows, bool withRun, string fileName) =>
        Results.Stream(async body =>
        {
            await using var csv = CsvWriter.Create(body, CsvWriterOptions.Default, leaveOpen: true);
            csv.WriteHeader(withRun ? ["run_id", .. Columns] : Columns);
            await foreach (var row in rows)
            {
                string[] cells =
                [
                    row.Id.ToString(CultureInfo.InvariantCulture),
                    row.Recipient,
                    row.Status.ToString(),
                    row.SkipReason == Ledger.SkipReason.None ? "" : row.SkipReason.ToString(),
                    row.ErrCode?.ToString(CultureInfo.InvariantCulture) ?? "",
                    row.ErrCode is null ? "" : ErrorCodeMeanings.Of(row.ErrCode),
                    row.ErrMsg ?? "",
                    row.MsgId?.ToString(CultureInfo.InvariantCulture) ?? "",
                    row.ClientMsgId,
                    row.CredentialId?.ToString(CultureInfo.InvariantCulture) ?? "",
                    row.Attempts.ToString(CultureInfo.InvariantCulture),
                    row.LocalDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    row.FinishedAt?.ToString("O", CultureInfo.InvariantCulture) ?? "",
                ];
                await csv.WriteRecordAsync(CsvCells.Safe(withRun ? [row.RunId.ToString(CultureInfo.InvariantCulture), .. cells] : cells), http.RequestAborted);
            }
        }, "text/csv; charset=utf-8", fileName);
}
