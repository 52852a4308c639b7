using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Microsoft.Extensions.Localization;

namespace PushConsole.Shell;

/// <summary>
/// Form fields check the same rules as the API: the data annotations on the Core input classes (the services check them
/// again on save). Messages come in the reader's language, naming the field.
/// </summary>
public static class InputRules
{
    public static Func<TValue, IEnumerable<string>> For<TInput, TValue>(IStringLocalizer texts, string property, string label)
    {
        var attributes = typeof(TInput).GetProperty(property)?.GetCustomAttributes<ValidationAttribute>(true).ToList()
            ?? throw new ArgumentException($"{typeof(TInput).Name} has no property {property}.", nameof(property));
        return value => attributes.Where(a => !a.IsValid(value)).Select(a => Message(texts, a, label, typeof(TInput).Name, property)).ToList();
    }

    private static string Message(IStringLocalizer texts, ValidationAttribute attribute, string label, string type, string property)
    {
        // A rule with its own sentence (a pattern) has it translated under Rule.<Type>.<Property>.
        var own = texts[$"Rule.{type}.{property}"];
        return attribute switch
        {
            RequiredAttribute => texts["Rule.Required", label],
            StringLengthAttribute length => texts["Rule.Length", label, length.MinimumLength, length.MaximumLength],
            MaxLengthAttribute max => texts["Rule.Length", label, 0, max.Length],
            RangeAttribute range => texts["Rule.Range", label, range.Minimum, range.Maximum],
            UrlAttribute => texts["Rule.Url", label],
            _ when !own.ResourceNotFound => own,
            _ => attribute.FormatErrorMessage(label),
        };
    }
}
