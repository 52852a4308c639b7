using System.Text.RegularExpressions;

namespace PushConsole.Tests.ShellTests;

/// <summary>Every .razor component of the console is rendered by a bUnit test: named by one, or used inside one that is.</summary>
public sealed class ComponentCoverageTests
{
    /// <summary>The host document and router: rendered by every browser flow, not by bUnit (they need the real endpoint).</summary>
    private static readonly string[] BrowserOnly = ["App", "Routes"];

    [Fact]
    public void Every_component_is_rendered_by_a_bUnit_test()
    {
        var root = FindRoot();
        var components = Directory.EnumerateFiles(Path.Combine(root, "PushConsole"), "*.razor", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && Path.GetFileName(f) != "_Imports.razor")
            .ToDictionary(f => Path.GetFileNameWithoutExtension(f), File.ReadAllText);
        var tests = string.Join("\n", Directory.EnumerateFiles(Path.Combine(root, "PushConsole.Tests"), "*Tests.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}Browser{Path.DirectorySeparatorChar}") && !f.EndsWith("BrowserTests.cs", StringComparison.Ordinal))
            .Select(File.ReadAllText));

        // Named by a test (Render<X>, RenderWithProviders<X>, ShowAsync<X>, FindComponent<X>), then whatever those use.
        var covered = components.Keys.Where(c => Regex.IsMatch(tests, $@"\b(?:Render|RenderWithProviders|ShowAsync|FindComponent|FindComponents|HasComponent)<{c}>|typeof\({c}\)")).ToHashSet();
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var (name, source) in components.Where(c => covered.Contains(c.Key)).ToList())
            {
                foreach (var used in components.Keys.Where(u => !covered.Contains(u) && Regex.IsMatch(source, $@"<{u}[\s/>]|ShowAsync<{u}>")))
                {
                    grew |= covered.Add(used);
                }
            }
        }

        Assert.Empty(components.Keys.Except(covered).Except(BrowserOnly).Order());
    }

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "PushConsole.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("PushConsole.sln not found above the test output.");
    }
}
