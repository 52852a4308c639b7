using System.Text.Json;
using System.Text.RegularExpressions;
using AngleSharp.Dom;
using Bunit;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using PushConsole.Accounts;
using PushConsole.ApiTokens;
using PushConsole.Audit;
using PushConsole.Campaigns;
using PushConsole.Channels;
using PushConsole.Credentials;
using PushConsole.Dashboard;
using PushConsole.Messages;
using PushConsole.Outcomes;
using PushConsole.Persistence;
using PushConsole.Shell;
using PushConsole.Templates;
using PushConsole.Tests.Infrastructure;
using PushConsole.Users;
using FieldType = PushConsole.Templates.FieldType;

namespace PushConsole.Tests.ShellTests;

/// <summary>
/// The console with its demo data (accounts, templates, a finished push, a daily campaign, a live channel, users) and a
/// transactional message nobody could receive, for reading every page as a Chinese-speaking operator would.
/// </summary>
public sealed class DemoConsoleHost : UiHost
{
    public const string UnreachableOpenId = "oSWEEP_unreachable_user_01";

    protected override async Task<ConsoleHost> StartAsync()
    {
        var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite, new Dictionary<string, string?>
        {
            ["Demo:Enabled"] = "true", ["Demo:MiniProgramUsers"] = "40", ["Demo:Followers"] = "300",
        });
        await host.Services.GetRequiredService<PushConsole.Demo.DemoData>().Seeded.WaitAsync(TimeSpan.FromSeconds(60));
        await using var db = await host.Contexts().CreateDbContextAsync();
        var subscribe = await db.Templates.AsNoTracking().FirstAsync(t => t.Kind == TemplateKind.Subscribe);
        var fields = subscribe.Fields.ToDictionary(f => f.Key, f => FieldTypes.Of(f.Key) switch
        {
            FieldType.Time or FieldType.Date => "2026-12-08 10:00",
            FieldType.Number or FieldType.CharacterString or FieldType.PhoneNumber => "1024",
            FieldType.Amount => "¥10.00",
            FieldType.Letter => "abc",
            FieldType.Name => "张三",
            _ => "已发货",
        });
        var accepted = await host.Services.GetRequiredService<TransactionalMessages>().AcceptAsync(new MessageRequest(
            JsonSerializer.SerializeToElement(subscribe.AccountId), UnreachableOpenId, JsonSerializer.SerializeToElement(subscribe.Id),
            JsonSerializer.SerializeToElement(fields)), null, "sweep", CancellationToken.None);
        if (accepted.Message?.State != MessageState.NoCredential)
        {
            throw new InvalidOperationException($"The sweep's message should find no credential, not {accepted.Message?.State} "
                + string.Join("; ", accepted.Errors.Select(e => $"{e.Key}: {e.Value}")));
        }
        return host;
    }
}

/// <summary>
/// Every page and dialog rendered in Chinese over the demo data: no English word reaches the reader but the few proper
/// nouns and identifiers below, and the operators' own data (names, titles, template contents, openids) as they wrote it.
/// </summary>
public sealed partial class ChineseSweepTests(DemoConsoleHost ui) : ConsoleUiTest(ui, ConsoleCultures.Chinese), IClassFixture<DemoConsoleHost>
{
    /// <summary>Names of products and WeChat's own identifiers, which Chinese operators read in this spelling too.</summary>
    private static readonly HashSet<string> Allowed = new(StringComparer.Ordinal)
    {
        "PushConsole", "WeChat", "openid", "OpenID", "openids", "formId", "formIds", "prepay_id", "AppID", "AppId", "AppSecret",
        "CSV", "API", "URL", "JSON", "cron", "Cron", "POST", "Quartz", "UTC", "msgid", "errcode", "errmsg", "Bearer", "ID", "QR",
        // The HTTP header an API token travels in, typed as is; IANA names the time zone database the zone ids come from.
        "Authorization", "IANA",
        // The language switch names each language in its own words, so that an English reader finds theirs.
        "English",
        // WeChat's field type names (thing, number, ...) as the template editor shows them beside their rule.
        "thing", "number", "letter", "symbol", "character_string", "time", "date", "amount", "phone_number", "car_number", "name",
        "phrase", "enum", "const", "first", "remark",
    };

    [Fact]
    public async Task Every_page_speaks_Chinese_over_the_demo_data()
    {
        var data = await OperatorDataAsync();
        var campaign = data.CampaignIds[0];
        var run = data.RunIds[0];
        var pages = new List<(string Name, Func<IRenderedComponent<Bunit.Rendering.ContainerFragment>> Render, string Ready)>
        {
            ("dashboard", () => RenderWithProviders<DashboardPage>(), "#inventory-summary, .inventory-summary, .mud-paper"),
            ("accounts", () => RenderWithProviders<AccountsPage>(), "#accounts-grid tbody tr"),
            ("templates", () => RenderWithProviders<TemplatesPage>(), "#templates-grid tbody tr"),
            ("credentials", () => RenderWithProviders<CredentialsPage>(), "#as-of"),
            ("campaigns", () => RenderWithProviders<CampaignsPage>(), "#campaigns-grid tbody tr"),
            ("campaign", () => RenderWithProviders<CampaignPage>((nameof(CampaignPage.Id), campaign)), ".mud-paper"),
            ("campaign edit", () => RenderWithProviders<CampaignEditPage>((nameof(CampaignEditPage.Id), (int?)campaign)), "#campaign-name"),
            ("new campaign", () => RenderWithProviders<CampaignEditPage>(), "#campaign-name"),
            ("channels", () => RenderWithProviders<ChannelsPage>(), "#channels-grid tbody tr"),
            ("channel", () => RenderWithProviders<ChannelDetailPage>((nameof(ChannelDetailPage.Id), data.ChannelId)), ".mud-paper"),
            ("messages", () => RenderWithProviders<MessagesPage>(), "#messages-grid tbody tr"),
            ("outcomes", () => RenderWithProviders<OutcomesPage>(), "#runs-grid tbody tr"),
            ("run outcomes", () => RenderWithProviders<RunOutcomesPage>((nameof(RunOutcomesPage.Id), run)), "#run-title"),
            ("users", () => RenderWithProviders<UsersPage>(), "#users-grid tbody tr"),
            ("API tokens", () => RenderWithProviders<ApiTokensPage>(), "#create-token"),
            ("audit log", () => RenderWithProviders<AuditPage>(), "#audit-grid tbody tr"),
            ("navigation", () => RenderWithProviders<NavMenu>(), ".mud-nav-link"),
            ("account switcher", () => RenderWithProviders<AccountSwitcher>(), "#account-switcher"),
            ("sign in", () => RenderWithProviders<PushConsole.SignIn.LoginPage>(), "#email"),
            ("live page", () => RenderWithProviders<PublicChannelPage>((nameof(PublicChannelPage.PublicId), data.ChannelPublicId)), "#public-start"),
        };
        var found = new List<string>();
        foreach (var (name, render, ready) in pages)
        {
            var cut = render();
            cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll(ready)));
            found.AddRange(EnglishIn(cut.Nodes, data.Words).Select(w => $"{name}: {w}"));
        }

        Assert.True(found.Count == 0, "English in Chinese pages:\n" + string.Join("\n", found.Distinct()));
        Assert.Empty(Texts.Missing);
    }

    [Fact]
    public async Task The_user_lookup_of_a_user_nobody_could_reach_speaks_Chinese()
    {
        var data = await OperatorDataAsync();
        Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>()
            .NavigateTo($"lookup?accountId={data.MessageAccountId}&openid={DemoConsoleHost.UnreachableOpenId}");

        var cut = RenderWithProviders<RecipientLookupPage>();

        cut.WaitForAssertion(() => Assert.Contains(DemoConsoleHost.UnreachableOpenId, cut.Markup));
        cut.WaitForElement("#lookup-verdict");
        Assert.Empty(EnglishIn(cut.Nodes, data.Words));
        Assert.Empty(Texts.Missing);
    }

    [Fact]
    public async Task Every_dialog_speaks_Chinese_over_the_demo_data()
    {
        var data = await OperatorDataAsync();
        var cut = RenderWithProviders<UserMenu>();
        var dialogs = Services.GetRequiredService<IDialogService>();
        var shown = new List<(string Name, Func<Task<IDialogReference>> Show, string Ready)>
        {
            ("account", () => dialogs.ShowAsync<AccountEditDialog>("", new DialogParameters<AccountEditDialog> { { d => d.AccountId, data.MessageAccountId } }), ".mud-dialog input"),
            ("new account", () => dialogs.ShowAsync<AccountEditDialog>(""), ".mud-dialog input"),
            ("template", () => dialogs.ShowAsync<TemplateEditDialog>("", new DialogParameters<TemplateEditDialog> { { d => d.TemplateId, data.TemplateIds[0] } }), "#preview-verdict"),
            ("test send", () => dialogs.ShowAsync<TemplateTestSendDialog>("", new DialogParameters<TemplateTestSendDialog> { { d => d.TemplateId, data.TemplateIds[0] } }), ".mud-dialog input"),
            ("channel", () => dialogs.ShowAsync<ChannelEditDialog>("", new DialogParameters<ChannelEditDialog> { { d => d.ChannelId, data.ChannelId } }), ".mud-dialog input"),
            ("new channel", () => dialogs.ShowAsync<ChannelEditDialog>(""), ".mud-dialog input"),
            ("my time zone", () => dialogs.ShowAsync<UserTimeZoneDialog>(""), ".mud-dialog input"),
            ("reset password", () => dialogs.ShowAsync<ResetPasswordDialog>(""), "#reset-password"),
        };
        var found = new List<string>();
        foreach (var (name, show, ready) in shown)
        {
            var dialog = await cut.InvokeAsync(show);
            cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll(ready)));
            found.AddRange(EnglishIn(cut.FindAll(".mud-dialog"), data.Words).Select(w => $"{name}: {w}"));
            await cut.InvokeAsync(() => dialog.Close());
            cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(".mud-dialog")));
        }

        Assert.True(found.Count == 0, "English in Chinese dialogs:\n" + string.Join("\n", found.Distinct()));
        Assert.Empty(Texts.Missing);
    }

    /// <summary>The English words among the visible texts (and placeholders, titles, labels read aloud) of <paramref name="nodes"/>.</summary>
    private static List<string> EnglishIn(IEnumerable<INode> nodes, IReadOnlySet<string> operatorWords)
    {
        var texts = new List<string>();
        foreach (var node in nodes)
        {
            Collect(node, texts);
        }
        var words = new List<string>();
        foreach (var text in texts)
        {
            var rest = Identifier().Replace(text, " ");
            words.AddRange(Word().Matches(rest).Select(m => m.Value).Where(w => !Allowed.Contains(w) && !operatorWords.Contains(w)));
        }
        return words.Distinct().ToList();
    }

    private static void Collect(INode node, List<string> texts)
    {
        if (node is IText text)
        {
            texts.Add(text.Data);
            return;
        }
        if (node is IElement element)
        {
            if (element.LocalName is "script" or "style" or "svg" or "pre" || element.ClassList.Contains("nav-hidden-marker")
                || element.ClassList.Contains("wechat-errmsg"))
            {
                // Scripts and icons are not read; <pre> holds the JSON body WeChat receives, in WeChat's words, and an
                // errmsg is WeChat's own text (labelled so, beside its meaning in Chinese).
                return;
            }
            foreach (var attribute in new[] { "placeholder", "title", "aria-label", "alt" })
            {
                if (element.GetAttribute(attribute) is { Length: > 0 } value)
                {
                    texts.Add(value);
                }
            }
        }
        foreach (var child in node.ChildNodes)
        {
            Collect(child, texts);
        }
    }

    /// <summary>What operators wrote (names, titles, template texts, emails, openids): shown as written, in whatever language.</summary>
    private async Task<OperatorData> OperatorDataAsync()
    {
        await using var db = await Host.Contexts().CreateDbContextAsync();
        var texts = new List<string>();
        texts.AddRange(await db.Accounts.Select(a => a.Name + " " + a.AppId + " " + a.TimeZone).ToListAsync());
        var templates = await db.Templates.AsNoTracking().ToListAsync();
        texts.AddRange(templates.SelectMany(t => new[] { t.Title, t.WeChatTemplateId, t.Content, t.Example ?? "" }
            .Concat(t.Fields.SelectMany(f => new[] { f.Key, f.Label, f.ValueExpression }))));
        texts.AddRange(await db.Campaigns.Select(c => c.Name + " " + (c.Cron ?? "")).ToListAsync());
        texts.AddRange((await db.Channels.AsNoTracking().ToListAsync()).SelectMany(c => c.Fields.Select(f => f.Value).Append(c.Name).Append(c.PublicId)));
        texts.AddRange(await db.DeliveryRuns.Select(r => r.Name).ToListAsync());
        texts.AddRange(await db.Users.Select(u => u.Email ?? "").ToListAsync());
        texts.AddRange(await db.ApiTokens.Select(t => t.Name).ToListAsync());
        var words = texts.SelectMany(t => Word().Matches(t).Select(m => m.Value)).ToHashSet(StringComparer.Ordinal);
        var messageAccount = await db.Templates.Where(t => t.Kind == TemplateKind.Subscribe).Select(t => t.AccountId).FirstAsync();
        return new OperatorData(words,
            await db.Campaigns.OrderBy(c => c.Id).Select(c => c.Id).ToListAsync(),
            await db.DeliveryRuns.Where(r => r.Kind != PushConsole.Ledger.RunKind.Message).OrderBy(r => r.Id).Select(r => r.Id).ToListAsync(),
            templates.OrderBy(t => t.Id).Select(t => t.Id).ToList(),
            await db.Channels.Select(c => c.Id).FirstAsync(),
            await db.Channels.Select(c => c.PublicId).FirstAsync(),
            messageAccount);
    }

    private sealed record OperatorData(IReadOnlySet<string> Words, IReadOnlyList<int> CampaignIds, IReadOnlyList<long> RunIds,
        IReadOnlyList<int> TemplateIds, int ChannelId, string ChannelPublicId, int MessageAccountId);

    /// <summary>
    /// Letters with digits, emails, URLs, zone ids, {placeholders} (with their format, {channel.startsAt:M月d日 HH:mm}),
    /// mini program page paths (pages/index/index?id=1) and tokens: identifiers, not words.
    /// </summary>
    [GeneratedRegex(@"\{[\w.-]+(?::[^{}]*)?\}|(?<!\w)/[\w{}/.?=&-]+|\b[a-z][\w-]*(?:/[\w{}.?=&-]+){2,}|\b\w*_\w*\b|\S+@\S+|https?://\S+|\b[A-Z][A-Za-z]+/[A-Za-z_/+-]+\b|\b\w*\d\w*\b|\bpct_\w+")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"[A-Za-z][A-Za-z_']*[A-Za-z]")]
    private static partial Regex Word();
}
