namespace PushConsole.Templates;

public static class TemplateLabels
{
    public static string Of(TemplateKind kind) => kind switch
    {
        TemplateKind.Subscribe => "Subscribe message",
        TemplateKind.MiniProgramTemplate => "Mini program template (formId)",
        TemplateKind.OfficialAccountTemplate => "Official account template",
        _ => kind.ToString(),
    };

    public static IReadOnlyList<KeyValuePair<TemplateKind, string>> Kinds(IEnumerable<TemplateKind> kinds) =>
        kinds.Select(k => KeyValuePair.Create(k, Of(k))).ToList();
}
