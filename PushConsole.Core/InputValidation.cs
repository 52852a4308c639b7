using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;

namespace PushConsole;

/// <summary>
/// The data annotations of a service's input checked, each broken rule said in the reader's language (ServiceText) and
/// naming the field as the API spells it: the attributes' own messages are English, which a Chinese API caller would
/// otherwise get back.
/// </summary>
public static class InputValidation
{
    public static List<string> Errors(object input)
    {
        var errors = new List<string>();
        var type = input.GetType();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var value = property.GetValue(input);
            // One message per field: an empty required address needs no second one saying it is no address.
            if (property.GetCustomAttributes<ValidationAttribute>(true).FirstOrDefault(a => !a.IsValid(value)) is { } broken)
            {
                errors.Add(Message(broken, type.Name, property.Name));
            }
        }
        return errors;
    }

    private static string Message(ValidationAttribute attribute, string type, string property)
    {
        // A rule with a sentence of its own (a pattern, a range worth explaining) has it under Rule.<Type>.<Property>.
        if (ServiceText.Find($"Rule.{type}.{property}") is { } own)
        {
            return own;
        }
        var field = JsonNamingPolicy.CamelCase.ConvertName(property);
        return attribute switch
        {
            RequiredAttribute => ServiceText.Get("Rule.Required", field),
            StringLengthAttribute length => ServiceText.Get("Rule.Length", field, length.MinimumLength, length.MaximumLength),
            RangeAttribute range => ServiceText.Get("Rule.Range", field, range.Minimum, range.Maximum),
            UrlAttribute => ServiceText.Get("Rule.Url", field),
            _ => ServiceText.Get("Rule.Invalid", field),
        };
    }
}
