namespace PushConsole.Outcomes;

/// <summary>
/// What WeChat's errcodes mean, for people reading the outcomes (facts sheet §9), in the reader's language: ServiceText's
/// <c>ErrCode.&lt;code&gt;</c> texts, the same for the console's pages, its CSV files and its API.
/// </summary>
public static class ErrorCodeMeanings
{
    public static string Of(int? errCode) => errCode is { } code
        ? ServiceText.Find($"ErrCode.{code}") ?? ServiceText.Get("ErrCode.Unknown")
        : ServiceText.Get("ErrCode.None");
}
