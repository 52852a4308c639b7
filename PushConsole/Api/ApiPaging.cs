namespace PushConsole.Api;

/// <summary>Numbers in the query of list routes (skip, take, days, top): out of range is refused naming the parameter, never clamped.</summary>
public static class ApiPaging
{
    public static IResult? OutOfRange(string name, int? value, int min, int max) =>
        value < min || value > max
            ? ApiProblem.Of(400, ProblemTitle.InvalidQuery, ServiceText.Get("ProblemDetail.OutOfRange", name, min, max, value))
            : null;

    public static IResult? Refusal(int? skip, int? take, int maxTake) =>
        OutOfRange("skip", skip, 0, int.MaxValue) ?? OutOfRange("take", take, 1, maxTake);
}
