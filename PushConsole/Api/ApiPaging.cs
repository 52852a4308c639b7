namespace PushConsole.Api;

/// <summary>Numbers in the query of list routes (skip, take, days, top): out of range is refused naming the parameter, never clamped.</summary>
public static class ApiPaging
{
    public static IResult? OutOfRange(string name, int? value, int min, int max) =>
        value < min || value > max
            ? Results.Problem(statusCode: 400, title: $"Invalid {name}", detail: $"{name} is between {min} and {max}; it was {value}.")
            : null;

    public static IResult? Refusal(int? skip, int? take, int maxTake) =>
        OutOfRange("skip", skip, 0, int.MaxValue) ?? OutOfRange("take", take, 1, maxTake);
}
