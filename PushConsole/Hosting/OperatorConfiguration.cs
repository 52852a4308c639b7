namespace PushConsole.Hosting;

public static class OperatorConfiguration
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>
    /// The operator's configuration is the <c>appsettings.json</c> beside <c>PushConsole.sln</c> (or the file named
    /// by <c>PUSHCONSOLE_CONFIG</c>), layered over the app's own settings and under environment variables and
    /// the command line. The console serves http://127.0.0.1:5080 unless told otherwise.
    /// </summary>
    public static WebApplicationBuilder AddOperatorConfiguration(this WebApplicationBuilder builder)
    {
        var file = Environment.GetEnvironmentVariable("PUSHCONSOLE_CONFIG");
        var root = FindOperatorRoot(builder.Environment.ContentRootPath);
        file ??= root is null ? null : Path.Combine(root, "appsettings.json");
        if (file is not null)
        {
            // Insert after the app's own appsettings files so environment variables and arguments still win.
            var sources = builder.Configuration.Sources;
            var index = sources.Select((s, i) => (s, i))
                .Where(x => x.s is Microsoft.Extensions.Configuration.Json.JsonConfigurationSource)
                .Select(x => x.i + 1).DefaultIfEmpty(0).Max();
            var source = new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource
            {
                Path = Path.GetFullPath(file), Optional = true, ReloadOnChange = false,
            };
            source.ResolveFileProvider();
            sources.Insert(index, source);
        }
        builder.Configuration["PushConsole:DataRoot"] ??= root ?? builder.Environment.ContentRootPath;

        var urlsGiven = !string.IsNullOrEmpty(builder.Configuration["urls"])
            || !string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"])
            || !string.IsNullOrEmpty(builder.Configuration["http_ports"]);
        if (!urlsGiven)
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }
        return builder;
    }

    private static string? FindOperatorRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PushConsole.sln")))
            {
                return dir.FullName;
            }
        }
        return null;
    }
}
