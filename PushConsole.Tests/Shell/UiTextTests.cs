using PushConsole.Tests.Infrastructure;
using System.Resources;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using PushConsole.Shell;

namespace PushConsole.Tests.ShellTests;

/// <summary>Every text the console shows exists in English and Chinese, MudBlazor's own texts included.</summary>
public sealed class UiTextTests
{
    private static readonly string Root = FindRoot();

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "PushConsole.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("PushConsole.sln not found above the test output.");
    }

    private static Dictionary<string, string> Resource(string file) =>
        XDocument.Load(Path.Combine(Root, "PushConsole", "Shell", file)).Root!.Elements("data")
            .ToDictionary(d => (string)d.Attribute("name")!, d => (string?)d.Element("value") ?? "");

    [Fact]
    public void Every_English_text_has_a_Chinese_text()
    {
        var english = Resource("UiText.resx");
        var chinese = Resource("UiText.zh-CN.resx");

        Assert.Empty(english.Keys.Except(chinese.Keys).Order());
        Assert.Empty(chinese.Keys.Except(english.Keys).Order());
        Assert.Empty(chinese.Where(p => string.IsNullOrWhiteSpace(p.Value)).Select(p => p.Key));
    }

    [Fact]
    public void Every_text_a_component_names_is_in_the_resources()
    {
        var english = Resource("UiText.resx");
        var used = Directory.EnumerateFiles(Path.Combine(Root, "PushConsole"), "*.razor", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Combine(Root, "PushConsole"), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .SelectMany(f => Regex.Matches(File.ReadAllText(f), @"\b(?:L|texts)\[""([A-Za-z]+\.[A-Za-z0-9.]+)""").Select(m => (File: Path.GetFileName(f), Key: m.Groups[1].Value)))
            .ToList();

        Assert.NotEmpty(used);
        Assert.Empty(used.Where(u => !english.ContainsKey(u.Key)).Select(u => $"{u.File}: {u.Key}").Distinct());
    }

    [Fact]
    public void Every_MudBlazor_text_has_a_Chinese_text()
    {
        var chinese = Resource("UiText.zh-CN.resx");
        var manager = new ResourceManager("MudBlazor.Resources.LanguageResource", typeof(MudBlazor.MudLocalizer).Assembly);
        var mudKeys = manager.GetResourceSet(System.Globalization.CultureInfo.InvariantCulture, true, true)!
            .Cast<System.Collections.DictionaryEntry>().Select(e => (string)e.Key).ToList();

        Assert.NotEmpty(mudKeys);
        Assert.Empty(mudKeys.Where(k => !chinese.ContainsKey(ConsoleMudLocalizer.Prefix + k)).Order());
    }

    [Fact]
    public void Every_errcode_meaning_has_both_languages()
    {
        var english = Resource("UiText.resx");
        foreach (var code in new[] { -1, 40001, 40003, 40037, 41028, 41029, 43004, 43101, 45009, 45011, 45103, 47003 })
        {
            Assert.Equal(PushConsole.Outcomes.ErrorCodeMeanings.Of(code), english[$"ErrCode.{code}"]);
        }
    }
}
