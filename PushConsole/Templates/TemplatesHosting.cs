using PushConsole.Templates;

namespace PushConsole.Templates;

public static class TemplatesHosting
{
    public static WebApplicationBuilder AddTemplates(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<TemplateService>();
        builder.Services.AddSingleton<TemplateRenderer>();
        builder.Services.AddSingleton<TemplateImporter>();
        builder.Services.AddSingleton<TemplateTestSender>();
        return builder;
    }
}
