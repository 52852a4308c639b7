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
public sealed class ChannelPagesTests(UiHost ui) : ConsoleUiTest(ui), IClassFixture<UiHost>
{
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
        Assert.Equal(Policies.Editor, typeof(ChannelsPage).GetCustomAttribute<AuthorizeAttribute>()!.Policy);
        Assert.Equal(Policies.Editor, typeof(ChannelDetailPage).GetCustomAttribute<AuthorizeAttribute>()!.Policy);
        Assert.NotNull(typeof(PublicChannelPage).GetCustomAttribute<AllowAnonymousAttribute>());
    }

    [Fact]
    public async Task A_new_channel_starts_in_the_future_in_its_zone_and_refuses_negative_minutes()
    {
        var account = await TemplateTestData.AccountAsync(Host, AccountKind.OfficialAccount, "wxchannel01");
        Services.GetRequiredService<AccountSelection>().Select(account.Id);
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
