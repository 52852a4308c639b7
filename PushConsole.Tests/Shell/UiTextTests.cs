using PushConsole.Tests.Infrastructure;
using System.Resources;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using PushConsole.Api;
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

    private static Dictionary<string, string> Resource(string file) => ResourceAt(Path.Combine(Root, "PushConsole", "Shell", file));

    private static Dictionary<string, string> ResourceAt(string path) =>
        XDocument.Load(path).Root!.Elements("data")
            .ToDictionary(d => (string)d.Attribute("name")!, d => (string?)d.Element("value") ?? "");

    /// <summary>What the services say (validation errors, refusals, the reasons runs and reminders keep).</summary>
    private static Dictionary<string, string> ServiceResource(string file) => ResourceAt(Path.Combine(Root, "PushConsole.Core", file));

    [Fact]
    public void Every_English_service_text_has_a_Chinese_text()
    {
        var english = ServiceResource("ServiceText.resx");
        var chinese = ServiceResource("ServiceText.zh-CN.resx");

        Assert.Empty(english.Keys.Except(chinese.Keys).Order());
        Assert.Empty(chinese.Keys.Except(english.Keys).Order());
        Assert.Empty(chinese.Where(p => string.IsNullOrWhiteSpace(p.Value)).Select(p => p.Key));
    }

    [Fact]
    public void Every_service_text_the_code_names_is_in_the_resources()
    {
        var english = ServiceResource("ServiceText.resx");
        var used = new[] { "PushConsole.Core", "PushConsole" }
            .SelectMany(project => Directory.EnumerateFiles(Path.Combine(Root, project), "*.*", SearchOption.AllDirectories))
            .Where(f => (f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".razor", StringComparison.Ordinal))
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .SelectMany(f => Regex.Matches(File.ReadAllText(f), @"ServiceText\.(?:Get|Stored)\(""([A-Za-z]+\.[A-Za-z0-9.]+)""")
                .Select(m => (File: Path.GetFileName(f), Key: m.Groups[1].Value)))
            .ToList();

        Assert.NotEmpty(used);
        Assert.Empty(used.Where(u => !english.ContainsKey(u.Key)).Select(u => $"{u.File}: {u.Key}").Distinct());
        // Keys made from a value: each value has its text.
        var made = Enum.GetNames<PushConsole.Channels.ReminderStatus>().Select(n => $"ReminderStatus.{n}")
            .Concat(Enum.GetNames<PushConsole.Ledger.RunStatus>().Select(n => $"RunStatus.{n}"))
            .Concat(Enum.GetNames<PushConsole.Sending.RunCommand>().Select(n => $"Run.Cannot{n.ToLowerInvariant()}"));
        Assert.DoesNotContain(made, k => !english.ContainsKey(k));
    }

    [Fact]
    public void A_stored_reason_reads_in_the_readers_language_and_plain_words_stay_as_they_are()
    {
        var stored = PushConsole.ServiceText.Stored("Reminder.StoppedAfter", PushConsole.ServiceText.Stored("Reminder.ChannelDeleted"), "1,200");
        var before = System.Globalization.CultureInfo.CurrentUICulture;
        try
        {
            System.Globalization.CultureInfo.CurrentUICulture = new System.Globalization.CultureInfo("en");
            Assert.Equal("The channel was deleted. Stopped after 1,200 sent.", PushConsole.ServiceText.Show(stored));
            System.Globalization.CultureInfo.CurrentUICulture = new System.Globalization.CultureInfo("zh-CN");
            Assert.Equal("频道已被删除。 已发送 1,200 条后停止。", PushConsole.ServiceText.Show(stored));
            Assert.Equal("the live was called off", PushConsole.ServiceText.Show("the live was called off"));
            Assert.Null(PushConsole.ServiceText.Show(null));
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentUICulture = before;
        }
    }

    [Fact]
    public void Every_problem_title_is_a_service_text_in_English_and_in_Chinese()
    {
        var english = ServiceResource("ServiceText.resx");
        var chinese = ServiceResource("ServiceText.zh-CN.resx");

        Assert.True(ProblemTitle.All.Count >= 30, $"only {ProblemTitle.All.Count} titles found by reflection");
        Assert.Empty(ProblemTitle.All.Where(t => !english.TryGetValue(t.Key, out var text) || string.IsNullOrWhiteSpace(text)).Select(t => t.Key));
        Assert.Empty(ProblemTitle.All.Where(t => !chinese.TryGetValue(t.Key, out var text) || !Regex.IsMatch(text, @"\p{IsCJKUnifiedIdeographs}"))
            .Select(t => t.Key));
    }

    [Fact]
    public void No_code_answers_a_problem_but_through_the_one_place_that_translates_its_title()
    {
        // Results.Problem("…") with an English title would bypass the translation; the API's problems are all made by ApiProblem.
        var bypass = new Regex(@"\b(?:Typed)?Results\s*\.\s*(?:Problem|ValidationProblem)\s*\(|new\s+(?:[\w.]+\.)?(?:ProblemDetails|HttpValidationProblemDetails)\s*[({]");
        var offenders = Directory.EnumerateFiles(Path.Combine(Root, "PushConsole"), "*.*", SearchOption.AllDirectories)
            .Where(f => (f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".razor", StringComparison.Ordinal))
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}")
                && Path.GetFileName(f) != "ApiProblem.cs")
            .Where(f => bypass.IsMatch(File.ReadAllText(f)))
            .Select(f => Path.GetRelativePath(Root, f))
            .ToList();

        Assert.Empty(offenders);
    }

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
        var english = ServiceResource("ServiceText.resx");
        var chinese = ServiceResource("ServiceText.zh-CN.resx");
        var before = System.Globalization.CultureInfo.CurrentUICulture;
        try
        {
            foreach (var code in new[] { -1, 40001, 40003, 40037, 41028, 41029, 43004, 43101, 45009, 45011, 45103, 47003 })
            {
                System.Globalization.CultureInfo.CurrentUICulture = new System.Globalization.CultureInfo("en");
                Assert.Equal(english[$"ErrCode.{code}"], PushConsole.Outcomes.ErrorCodeMeanings.Of(code));
                System.Globalization.CultureInfo.CurrentUICulture = new System.Globalization.CultureInfo("zh-CN");
                Assert.Equal(chinese[$"ErrCode.{code}"], PushConsole.Outcomes.ErrorCodeMeanings.Of(code));
                Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", PushConsole.Outcomes.ErrorCodeMeanings.Of(code));
            }
            Assert.Equal("未知错误码（见微信全局返回码说明）", PushConsole.Outcomes.ErrorCodeMeanings.Of(12345));
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentUICulture = before;
        }
    }
}
