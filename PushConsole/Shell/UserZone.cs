using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.JSInterop;
using PushConsole.Accounts;
using PushConsole.Users;

namespace PushConsole.Shell;

/// <summary>
/// The zone user-level times are shown in (the audit log, API tokens, users' sign-ins): the signed-in user's own
/// choice, else the browser's zone, else UTC. Account things stay in the account's zone. One per circuit.
/// </summary>
public sealed class UserZone(AuthenticationStateProvider authentication, UserAdministration users, IJSRuntime js)
{
    private string? own;
    private bool read;
    private bool askedBrowser;

    /// <summary>The browser's zone, once the layout has asked it (null before, or when it is not a zone this server knows).</summary>
    public string? BrowserZone { get; private set; }

    public async Task<string> ZoneAsync()
    {
        if (!read)
        {
            var id = (await authentication.GetAuthenticationStateAsync()).User.FindFirstValue(ClaimTypes.NameIdentifier);
            own = id is null ? null : await users.TimeZoneOfAsync(id);
            read = true;
        }
        if (own is null && !askedBrowser)
        {
            // Asked here rather than after the layout's first render: a page reads its zone while it initialises, before the
            // layout has rendered, and would otherwise show its first page of times in UTC.
            await ReadBrowserZoneAsync();
        }
        return own ?? BrowserZone ?? ZonedTime.Utc;
    }

    /// <summary>The user's own choice, as just saved (null: none).</summary>
    public void Chose(string? zone)
    {
        own = string.IsNullOrWhiteSpace(zone) ? null : zone.Trim();
        read = true;
    }

    /// <summary>Asks the browser for its zone (once interactive); false when it gave none this server knows.</summary>
    public async Task<bool> ReadBrowserZoneAsync()
    {
        try
        {
            await using var module = await js.InvokeAsync<IJSObjectReference>("import", "./js/browser-zone.js");
            var zone = module is null ? null : await module.InvokeAsync<string?>("browserZone");
            BrowserZone = zone is not null && AccountCalendar.Resolve(zone) is not null ? zone : null;
        }
        catch (JSException)
        {
            BrowserZone = null;
        }
        catch (Exception e) when (e is InvalidOperationException or JSDisconnectedException)
        {
            // Prerendering (or the browser went): there is no browser to ask; the interactive render (a new circuit, a new UserZone) asks.
            return false;
        }
        askedBrowser = true;
        return BrowserZone is not null;
    }
}
