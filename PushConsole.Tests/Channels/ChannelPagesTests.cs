using System.Globalization;
using System.Reflection;
using Bunit;
using Bunit.Rendering;
using Microsoft.AspNetCore.Authorization;
using PushConsole.Accounts;
using PushConsole.Channels;
using PushConsole.Shell;
using PushConsole.Tests.Infrastructure;
using PushConsole.Tests.Templates;
using PushConsole.Users;

namespace PushConsole.Tests.Channels;

/// <summary>The channel list, editor, detail and public page over the real channel service (no broadcast is sent).</summary>
public sealed class ChannelPagesTests(UiHost ui, PushConsole.Tests.Infrastructure.SimulatorServer sim) : ConsoleUiTest(ui), IClassFixture<UiHost>,
    IClassFixture<PushConsole.Tests.Infrastructure.SimulatorServer>
{
    /// <summary>A channel of an official account on the simulator with <paramref name="followers"/> followers and its reminder on.</summary>
    private async Task<Channel> ReminderChannelAsync(int followers, string name)
    {
        var app = await sim.NewAppAsync("officialaccount", quotas: new Dictionary<string, long?> { ["template_send"] = null, ["user_get"] = null });
        await app.GenerateFollowersAsync(followers);
        var defined = await app.DefineTemplateAsync(new { title = "开播提醒", content = ChannelsHarness.TemplateContent });
        var account = await Service<AccountService>().CreateAsync(new AccountInput
        {
            Name = $"Live {app.AppId[^4..]}", Kind = AccountKind.OfficialAccount, AppId = app.AppId, Secret = app.Secret,
            ApiBaseUrl = sim.BaseAddress.ToString(), TimeZone = "Asia/Shanghai",
        });
        Assert.True(account.Succeeded, string.Join(" ", account.Errors));
        var template = ChannelsHarness.ReminderTemplate(account.Account!.Id, defined.GetProperty("template_id").GetString()!);
        await using (var db = await Host.Contexts().CreateDbContextAsync())
        {
            db.Templates.Add(template);
            await db.SaveChangesAsync();
        }
        var input = ChannelsHarness.Input(account.Account.Id, template.Id, DateTimeOffset.UtcNow.AddHours(2), minutesAhead: 30, name: name);
        input.StartsAt = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow.AddHours(2), Shanghai).DateTime;
        var created = await Service<ChannelService>().CreateAsync(input);
        Assert.True(created.Succeeded, string.Join(" ", created.Errors));
        return (await Service<ChannelService>().FindAsync(created.Channel!.Id))!;
    }

    [Fact]
    public async Task Send_now_asks_first_naming_how_many_followers_get_it_and_the_broadcast_then_reaches_Notified()
    {
        var channel = await ReminderChannelAsync(3, "Early bird");
        SignInAs(Roles.Editor, "editor@test.local");
        var cut = RenderWithProviders<ChannelDetailPage>(("Id", channel.Id));

        cut.WaitForElement("#send-now").Click();
        cut.WaitForAssertion(() => Assert.Contains($"3 followers of {channel.Account!.Name} get the reminder now instead of at", cut.Markup));
        ClickButton(cut, "Keep it");
        cut.WaitForAssertion(() => Assert.DoesNotContain("get the reminder now instead of", cut.Markup));
        Assert.Equal(ReminderStatus.NotNotified, (await Service<ChannelService>().FindAsync(channel.Id))!.ReminderStatus);

        cut.Find("#send-now").Click();
        cut.WaitForAssertion(() => Assert.Contains("get the reminder now instead of", cut.Markup));
        cut.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Send reminder now").Click();

        cut.WaitForAssertion(() => Assert.Equal("Notified", cut.Find("#status-" + channel.Id).TextContent.Trim()), TimeSpan.FromSeconds(30));
        cut.WaitForAssertion(() => Assert.Equal("3", cut.Find("#outcome-sent").TextContent.Trim()));
        Assert.Empty(cut.FindAll("#send-now"));
        Assert.NotNull(cut.Find("#broadcast-csv"));
    }

    [Fact]
    public async Task A_broadcast_under_way_can_be_paused_from_its_page_and_then_offers_resume()
    {
        var channel = await ReminderChannelAsync(1, "Paused live");
        // A broadcast caught mid-way: the channel notifying with its run running (no execution here to race the click).
        await Service<ReminderTransitions>().MoveAsync(channel.Id, channel.Occurrence, ReminderStatus.NotNotified, ReminderStatus.Notifying, null);
        var run = await Service<PushConsole.Ledger.DeliveryLedger>().OpenRunAsync(new PushConsole.Ledger.DeliveryRun
        {
            Kind = PushConsole.Ledger.RunKind.Broadcast, FireKey = Channel.FireKeyOf(channel.Id, channel.Occurrence), Name = "Paused live · reminder #1",
            AccountId = channel.AccountId, TemplateId = channel.TemplateId!.Value, ChannelId = channel.Id, Status = PushConsole.Ledger.RunStatus.Running,
        });
        await Service<ReminderTransitions>().AttachRunAsync(channel.Id, channel.Occurrence, run.Id);
        var cut = RenderWithProviders<ChannelDetailPage>(("Id", channel.Id));

        cut.WaitForElement("#pause-broadcast").Click();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("#resume-broadcast")));
        Assert.Contains("Run paused.", cut.Markup);
        Assert.Equal("Paused", cut.Find("#broadcast-status").TextContent.Trim());
        Assert.Empty(cut.FindAll("#pause-broadcast"));
        await using var db = await Host.Contexts().CreateDbContextAsync();
        Assert.Equal(PushConsole.Ledger.RunStatus.Paused, (await db.DeliveryRuns.FindAsync(run.Id))!.Status);
    }


    [Fact]
    public async Task A_broadcasts_sends_are_searched_by_openid_or_errcode_in_the_database_and_a_search_without_match_says_so()
    {
        var channel = await ReminderChannelAsync(1, "Searched live");
        var ledger = Service<PushConsole.Ledger.DeliveryLedger>();
        var run = await ledger.OpenRunAsync(new PushConsole.Ledger.DeliveryRun
        {
            Kind = PushConsole.Ledger.RunKind.Broadcast, FireKey = Channel.FireKeyOf(channel.Id, channel.Occurrence), Name = "Searched live · reminder #1",
            AccountId = channel.AccountId, TemplateId = channel.TemplateId!.Value, ChannelId = channel.Id, Status = PushConsole.Ledger.RunStatus.Completed,
        });
        var followers = Enumerable.Range(1, 40).Select(i => $"oFollowerSearch{i:D3}").ToList();
        await ledger.AddRecipientsAsync(run, followers, DateOnly.FromDateTime(DateTime.UtcNow));
        await Service<ReminderTransitions>().AttachRunAsync(channel.Id, channel.Occurrence, run.Id);
        await using (var db = await Host.Contexts().CreateDbContextAsync())
        {
            foreach (var delivery in db.Deliveries.Where(d => d.RunId == run.Id).ToList())
            {
                var unfollowed = delivery.Recipient.EndsWith('7');
                delivery.Status = unfollowed ? PushConsole.Ledger.DeliveryStatus.Failed : PushConsole.Ledger.DeliveryStatus.Sent;
                delivery.ErrCode = unfollowed ? 43004 : null;
                delivery.FinishedAt = DateTimeOffset.UtcNow;
            }
            await db.SaveChangesAsync();
        }
        var cut = RenderWithProviders<ChannelDetailPage>(("Id", channel.Id));
        cut.WaitForAssertion(() => Assert.Equal(25, cut.FindAll("#ledger-grid tbody tr").Count));

        cut.Find("#ledger-search").Input("FOLLOWERSEARCH03");

        cut.WaitForAssertion(() => Assert.Equal(10, cut.FindAll("#ledger-grid tbody tr").Count));
        Assert.All(cut.FindAll("#ledger-grid tbody tr"), r => Assert.Contains("oFollowerSearch03", r.TextContent));
        cut.Find("#ledger-search").Input("43004");
        cut.WaitForAssertion(() => Assert.Equal(4, cut.FindAll("#ledger-grid tbody tr").Count));
        Assert.All(cut.FindAll("#ledger-grid tbody tr"), r => Assert.Contains("Recipient does not follow the official account", r.TextContent));
        cut.Find("#ledger-search").Input("nobody follows under this name");
        cut.WaitForElement("#ledger-no-match");
        Assert.Equal("Nothing matches the search.", cut.Find("#ledger-no-match").TextContent.Trim());
    }

    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    private async Task<Channel> ChannelAsync(string appId, string name, TimeSpan startsIn)
    {
        var account = await TemplateTestData.AccountAsync(Host, AccountKind.OfficialAccount, appId);
        var result = await Service<ChannelService>().CreateAsync(new ChannelInput
        {
            Name = name, AccountId = account.Id, TimeZone = "Asia/Shanghai",
            StartsAt = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow + startsIn, Shanghai).DateTime,
        });
        Assert.True(result.Succeeded, string.Join(" ", result.Errors));
        return (await Service<ChannelService>().FindAsync(result.Channel!.Id))!;
    }

    [Fact]
    public void Editors_may_use_the_channel_pages_and_anyone_the_public_page()
    {
        AssertEditors<ChannelsPage>();
        AssertEditors<ChannelDetailPage>();
        Assert.NotNull(typeof(PublicChannelPage).GetCustomAttribute<AllowAnonymousAttribute>());
    }

    [Fact]
    public async Task A_new_channel_starts_in_the_future_in_its_zone_and_refuses_negative_minutes()
    {
        var account = await SelectedAccountAsync(AccountKind.OfficialAccount, "wxchannel01");
        SignInAs(Roles.Editor, "editor@test.local");
        var cut = RenderWithProviders<ChannelsPage>();

        cut.WaitForElement("#add-channel").Click();
        cut.WaitForAssertion(() => Assert.Equal("Asia/Shanghai", cut.Find("#channel-timezone").GetAttribute("value")));
        var start = DateTime.Parse(cut.Find("#channel-start").GetAttribute("value")!, CultureInfo.InvariantCulture);
        Assert.True(start > TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, Shanghai).DateTime, $"start {start:O} is not in the future in Asia/Shanghai");

        cut.Find("#channel-minutes").Input("-10");
        cut.Find("#save-channel").Click();
        cut.WaitForAssertion(() =>
        {
            Assert.Contains("Minutes before the start is a number from 1 to 1440.", ValidationMessages(cut));
            Assert.Contains("Name is required.", ValidationMessages(cut));
        });
        Assert.DoesNotContain(await Service<ChannelService>().ListAsync(), c => c.AccountId == account.Id);

        cut.Find("#channel-minutes").Input("10");
        cut.Find("#channel-name").Input("Friday live");
        cut.Find("#save-channel").Click();
        cut.WaitForAssertion(() => Assert.Contains("Friday live", cut.Find("#channels-grid").TextContent));
        Assert.Equal(10, (await Service<ChannelService>().ListAsync()).Single(c => c.AccountId == account.Id).ReminderMinutesAhead);
    }

    [Fact]
    public async Task The_detail_page_shows_the_start_in_the_channels_zone_and_says_when_no_broadcast_ran()
    {
        var channel = await ChannelAsync("wxchannel02", "Launch", TimeSpan.FromDays(2));

        var cut = RenderWithProviders<ChannelDetailPage>(("Id", channel.Id));

        cut.WaitForAssertion(() => Assert.Equal("Launch", cut.Find("#channel-title").TextContent));
        Assert.Contains(ChannelTime.Describe(channel.StartsAt, "Asia/Shanghai"), cut.Markup);
        Assert.Contains("(Asia/Shanghai)", cut.Markup);
        Assert.NotNull(cut.Find("#no-broadcast"));
    }

    [Fact]
    public async Task The_public_page_says_the_live_started_once_it_has_and_how_to_follow_without_a_link()
    {
        var upcoming = await ChannelAsync("wxchannel03", "Upcoming", TimeSpan.FromHours(3));

        var page = Render<PublicChannelPage>(p => p.Add(c => c.PublicId, upcoming.PublicId));

        Assert.StartsWith("Live starts", page.Find("#public-start").TextContent.Trim());
        Assert.Contains("Follow News wxchannel03 in WeChat", page.Find("#follow-missing").TextContent);

        await using (var db = await Host.Contexts().CreateDbContextAsync())
        {
            var stored = await db.Channels.FindAsync(upcoming.Id);
            stored!.StartsAt = DateTimeOffset.UtcNow.AddMinutes(-5);
            await db.SaveChangesAsync();
        }
        var started = Render<PublicChannelPage>(p => p.Add(c => c.PublicId, upcoming.PublicId));
        Assert.StartsWith("Live started", started.Find("#public-start").TextContent.Trim());
    }

    [Fact]
    public void The_public_layout_shows_the_page_alone_without_the_consoles_menus()
    {
        var layout = Render<PublicLayout>(p => p.Add(l => l.Body, (Microsoft.AspNetCore.Components.RenderFragment)(b => b.AddContent(0, "live page"))));

        Assert.Equal("live page", layout.Find(".public-page").TextContent);
        Assert.Empty(layout.FindAll("#nav-menu, #user-menu"));
    }

    [Fact]
    public void The_broadcast_bar_shows_the_counts_and_a_dash_before_any_broadcast()
    {
        var bar = Render<BroadcastBar>(p => p.Add(b => b.ChannelId, 7).Add(b => b.Counts, new BroadcastCounts(1, 250, 10, 4, 40, 0, 300, 300, true)));
        Assert.Equal("250 sent · 10 failed · 300 total", bar.Find("#figures-7").TextContent);

        var none = Render<BroadcastBar>(p => p.Add(b => b.ChannelId, 8));
        Assert.Equal("—", none.Find("#figures-8").TextContent);
    }

    [Fact]
    public void A_waiting_reminder_is_neutral_not_an_alarm()
    {
        var badge = Render<ReminderBadge>(p => p.Add(b => b.Channel, new Channel { Id = 3, ReminderEnabled = true, ReminderStatus = ReminderStatus.NotNotified }));
        Assert.Equal("Waiting", badge.Find("#status-3").TextContent.Trim());
        Assert.DoesNotContain("mud-chip-color-error", badge.Markup);

        var failed = Render<ReminderBadge>(p => p.Add(b => b.Channel, new Channel { Id = 4, ReminderEnabled = true, ReminderStatus = ReminderStatus.Failed }));
        Assert.Contains("mud-chip-color-error", failed.Markup);
    }

    [Fact]
    public async Task A_Chinese_speaking_operator_reads_why_a_reminder_was_canceled_in_Chinese()
    {
        var channel = await ReminderChannelAsync(1, "取消的直播");
        var canceled = await Service<ChannelService>().CancelReminderAsync(channel.Id, "嘉宾临时有事", "editor@test.local");
        Assert.True(canceled.Succeeded, string.Join(" ", canceled.Errors));
        UseCulture(ConsoleCultures.Chinese);

        var cut = RenderWithProviders<ChannelDetailPage>(("Id", channel.Id));

        cut.WaitForAssertion(() => Assert.Equal("已由 editor@test.local 取消：嘉宾临时有事", cut.Find("#reminder-reason").TextContent.Trim()));
        Assert.Equal("已取消", cut.Find("#status-" + channel.Id).TextContent.Trim());
        Assert.Empty(Texts.Missing);
    }

    [Fact]
    public async Task The_channel_pages_render_in_Chinese_without_a_missing_text()
    {
        UseCulture(ConsoleCultures.Chinese);
        var channel = await ChannelAsync("wxchannel04", "直播", TimeSpan.FromHours(5));

        var list = RenderWithProviders<ChannelsPage>();
        list.WaitForAssertion(() => Assert.Contains("直播", list.Find("#channels-grid").TextContent));
        list.Find("#add-channel").Click();
        list.WaitForElement("#channel-name");
        var detail = RenderWithProviders<ChannelDetailPage>(("Id", channel.Id));
        detail.WaitForAssertion(() => Assert.Contains("开始时间", detail.Markup));
        Assert.Contains("直播开始时间", Render<PublicChannelPage>(p => p.Add(c => c.PublicId, channel.PublicId)).Markup);
        Assert.Empty(Texts.Missing);
    }
}
