using System.Globalization;
using System.Security.Claims;
using Bunit;
using Bunit.Rendering;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;
using MudBlazor;
using MudBlazor.Services;
using PushConsole.Persistence;
using PushConsole.Shell;
using PushConsole.Users;

namespace PushConsole.Tests.Infrastructure;

/// <summary>
/// One console (real services over a fresh SQLite file, WeChat only where a test points an account at a fake) shared
/// by the component tests of one class.
/// </summary>
public class UiHost : IAsyncLifetime
{
    public ConsoleHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await StartAsync();

    /// <summary>Starts the console; a fixture that needs settings or a clock of its own overrides this.</summary>
    protected virtual Task<ConsoleHost> StartAsync() => ConsoleHost.StartAsync(DatabaseProvider.Sqlite);

    public virtual async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>
/// A bUnit context wired like the console: MudBlazor's services, the console's texts (recording any key a component
/// asks for that the resources lack), the app bar's account selection, and the console's own services behind them.
/// </summary>
public abstract class ConsoleUiTest : BunitContext, IAsyncLifetime
{
    private readonly BunitAuthorizationContext authorization;

    /// <param name="services">Replaces console services for the components only (e.g. a fake clock for a page's refresh timer).</param>
    protected ConsoleUiTest(UiHost ui, string culture = ConsoleCultures.English, Action<IServiceCollection>? services = null)
    {
        Host = ui.Host;
        UseCulture(culture);
        JSInterop.Mode = JSRuntimeMode.Loose;
        // The suite shares two cores with other work: a render that takes longer is not a failure of the page.
        DefaultWaitTimeout = TimeSpan.FromSeconds(10);
        Services.AddMudServices();
        Services.AddLocalization();
        Services.AddSingleton(Texts);
        Services.AddSingleton<IStringLocalizer<UiText>>(Texts);
        Services.AddTransient<MudLocalizer, ConsoleMudLocalizer>();
        Services.AddScoped<AccountSelection>();
        // The console's user store behind it, as the pages reach it (the bUnit provider does not hand its fallback to constructors).
        Services.AddScoped(sp => new UserZone(sp.GetRequiredService<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider>(),
            ui.Host.Services.GetRequiredService<UserAdministration>(), sp.GetRequiredService<Microsoft.JSInterop.IJSRuntime>()));
        services?.Invoke(Services);
        Services.AddFallbackServiceProvider(ui.Host.Services);
        authorization = AddAuthorization();
        SignInAs(Roles.Admin);
        // As in the console: pages run their live refresh only once interactive.
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    protected ConsoleHost Host { get; }

    public Task InitializeAsync() => Task.CompletedTask;

    // MudBlazor's services are only asynchronously disposable: dispose the context that way before xunit's Dispose.
    async Task IAsyncLifetime.DisposeAsync() => await ((IAsyncDisposable)this).DisposeAsync();

    /// <summary>The texts components read; <see cref="RecordingTexts.Missing"/> lists keys the resources lack.</summary>
    protected RecordingTexts Texts { get; } = new();

    protected T Service<T>() where T : notnull => Host.Services.GetRequiredService<T>();

    /// <summary>The page is for admins only.</summary>
    protected static void AssertOnlyAdmins<TPage>() where TPage : IComponent =>
        Assert.Equal(Roles.Admin, AuthorizeOf<TPage>().Roles);

    /// <summary>The page is for admins and editors (the Editor policy).</summary>
    protected static void AssertEditors<TPage>() where TPage : IComponent =>
        Assert.Equal(Policies.Editor, AuthorizeOf<TPage>().Policy);

    private static Microsoft.AspNetCore.Authorization.AuthorizeAttribute AuthorizeOf<TPage>() =>
        System.Reflection.CustomAttributeExtensions.GetCustomAttribute<Microsoft.AspNetCore.Authorization.AuthorizeAttribute>(typeof(TPage))
        ?? throw new Xunit.Sdk.XunitException($"{typeof(TPage).Name} has no [Authorize]");

    /// <summary>Creates a real user of the console with <paramref name="role"/> and signs in as them; their id.</summary>
    protected async Task<string> SignInAsNewUserAsync(string email, string role)
    {
        var userId = await TestUsers.CreateAsync(Host, email, role);
        SignInAs(role, email, userId);
        return userId;
    }

    /// <summary>A new account of the console (talking to no WeChat), chosen in the app bar's account switcher.</summary>
    protected async Task<Accounts.WeChatAccount> SelectedAccountAsync(Accounts.AccountKind kind, string appId)
    {
        var account = await Templates.TemplateTestData.AccountAsync(Host, kind, appId);
        Services.GetRequiredService<AccountSelection>().Select(account.Id);
        return account;
    }

    protected void SignInAs(string role, string email = "admin@test.local", string userId = "test-user")
    {
        authorization.SetAuthorized(email);
        authorization.SetRoles(role);
        authorization.SetClaims(new Claim(ClaimTypes.NameIdentifier, userId), new Claim(ClaimTypes.Name, email));
    }

    /// <summary>Texts, dates and numbers in <paramref name="culture"/>, as the request culture sets them in the console.</summary>
    protected static void UseCulture(string culture)
    {
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo(culture);
    }

    /// <summary>Renders a page or component with MudBlazor's providers beside it, as the layout has them.</summary>
    protected IRenderedComponent<ContainerFragment> RenderWithProviders<T>(params (string Name, object? Value)[] parameters) where T : IComponent =>
        RenderFresh(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<MudDialogProvider>(1);
            builder.CloseComponent();
            builder.OpenComponent<MudSnackbarProvider>(2);
            builder.CloseComponent();
            builder.OpenComponent<T>(3);
            foreach (var (name, value) in parameters)
            {
                builder.AddComponentParameter(4, name, value);
            }
            builder.CloseComponent();
        });

    // One set of providers at a time, as in a page: a test that renders another page first drops the previous one.
    private IRenderedComponent<ContainerFragment> RenderFresh(RenderFragment fragment)
    {
        Renderer.DisposeComponents();
        return Render(fragment);
    }

    /// <summary>Clicks the button whose text is <paramref name="text"/> (MudBlazor buttons carry their label as text).</summary>
    protected static void ClickButton(IRenderedComponent<ContainerFragment> cut, string text) =>
        cut.FindAll("button").First(b => b.TextContent.Trim().Equals(text, StringComparison.OrdinalIgnoreCase)).Click();

    /// <summary>Clicks <paramref name="button"/> (its text or aria-label) in the row of <paramref name="grid"/> showing <paramref name="rowText"/>.</summary>
    protected static void ClickInRow(IRenderedComponent<ContainerFragment> cut, string grid, string rowText, string button) =>
        cut.FindAll($"{grid} tr").First(r => r.TextContent.Contains(rowText, StringComparison.Ordinal)).QuerySelectorAll("button")
            .First(b => b.TextContent.Trim() == button || b.GetAttribute("aria-label") == button).Click();

    /// <summary>The texts of the validation messages the form shows now.</summary>
    protected static IReadOnlyList<string> ValidationMessages(IRenderedComponent<ContainerFragment> cut) =>
        cut.FindAll(".mud-input-helper-text.mud-input-error, .mud-input-error .mud-input-helper-text").Select(e => e.TextContent.Trim())
            .Where(t => t.Length > 0).Distinct().ToList();
}

/// <summary>The console's texts, noting every key asked for that the resources lack (in the current language).</summary>
public sealed class RecordingTexts : IStringLocalizer<UiText>
{
    private readonly IStringLocalizer inner =
        new ResourceManagerStringLocalizerFactory(Microsoft.Extensions.Options.Options.Create(new LocalizationOptions()),
            Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).Create(typeof(UiText));

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> missing = new();

    public IReadOnlyCollection<string> Missing => missing.Keys.Order().ToList();

    public LocalizedString this[string name] => Note(inner[name]);

    public LocalizedString this[string name, params object[] arguments] => Note(inner[name, arguments]);

    public IEnumerable<LocalizedString> GetAllStrings(bool includeParentCultures) => inner.GetAllStrings(includeParentCultures);

    private LocalizedString Note(LocalizedString text)
    {
        // MudBlazor asks for all its keys; a key it has English for and we lack only matters in Chinese (checked separately).
        if (text.ResourceNotFound && !text.Name.StartsWith(ConsoleMudLocalizer.Prefix, StringComparison.Ordinal))
        {
            missing.TryAdd(text.Name, 0);
        }
        return text;
    }
}
