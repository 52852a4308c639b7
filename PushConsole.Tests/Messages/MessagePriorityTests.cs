using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PushConsole.Accounts;
using PushConsole.Channels;
using PushConsole.Simulator;
using PushConsole.Tests.Campaigns;
using PushConsole.Tests.Channels;
using PushConsole.Tests.Infrastructure;
using RunStatus = PushConsole.Ledger.RunStatus;
using TemplateKind = PushConsole.Templates.TemplateKind;

namespace PushConsole.Tests.Messages;

/// <summary>A transactional message and a bulk run of the same account share its send rate; the message goes first.</summary>
public class MessagePriorityTests
{
    [Fact]
    public async Task A_message_sent_during_a_large_campaign_reaches_the_user_before_one_second_of_the_accounts_rate_of_bulk_sends()
    {
        const int rate = 200;
        await using var world = await ConsoleWorld.StartAsync();
        var account = await world.AccountAsync(AccountKind.OfficialAccount, ratePerSecond: rate);
        var template = await world.TemplateAsync(account, TemplateKind.OfficialAccountTemplate);
        var followers = Enumerable.Range(0, 5_000).Select(i => $"oBulkFollower{i:D8}").ToList();
        const string member = "oGroupAdmin_0000000001";
        world.Sim.AddFollowers(account.AppId, [.. followers, member]);
        using var api = world.Api();
        var created = await api.PostAsJsonAsync("api/v1/campaigns", new
        {
            name = "Broadcast", accountId = account.Id, templateId = template.Id, audience = "UploadedList", recipients = followers, schedule = "Now",
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var campaignId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        // The bulk run is in full swing: its senders queue for the account's permits.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (world.Sim.CountDeliveries(account.AppId).Total < rate * 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "The campaign did not start sending within a minute.");
            await Task.Delay(20);
        }

        var before = world.Sim.CountDeliveries(account.AppId).Total;
        var answer = await api.PostAsJsonAsync("api/v1/messages?wait=10s", new
        {
            account = account.Id, openid = member, template = template.Id, data = new { first = "A new member asks to join", keyword1 = "today" },
        });
        var after = world.Sim.CountDeliveries(account.AppId).Total;

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("Sent", (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Single(world.Sim.GetInbox(account.AppId, member));
        // Sends counted by the simulator between the request and its answer: the message and fewer bulk sends than one
        // second of the account's rate (the bulk run itself keeps half a second of sends waiting for permits).
        Assert.InRange(after - before - 1, 0, rate - 1);
        await using var db = await world.Host.Contexts().CreateDbContextAsync();
        var run = await db.DeliveryRuns.AsNoTracking().SingleAsync(r => r.CampaignId == campaignId);
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync($"api/v1/runs/{run.Id}/cancel", null)).StatusCode);
        Assert.NotEqual(RunStatus.Completed, run.Status);
    }

    [Fact]
    public async Task A_message_sent_during_a_100000_follower_live_reminder_broadcast_goes_out_before_one_second_of_the_accounts_rate_of_bulk_sends()
    {
        // A low rate keeps the test short: one second of it is 20 bulk sends, and the broadcast needs a few seconds to be
        // under way, while the audience stays the 100,000 followers the broadcast reads page by page.
        const int rate = 20;
        await using var world = await ConsoleWorld.StartAsync();
        var account = await world.AccountAsync(AccountKind.OfficialAccount, ratePerSecond: rate);
        world.Sim.GenerateFollowers(account.AppId, 100_000);
        const string member = "oGroupAdmin_0000000002";
        world.Sim.AddFollowers(account.AppId, [member]);
        var defined = world.Sim.DefineTemplate(account.AppId, new TemplateSpec { Title = "开播提醒", Content = ChannelsHarness.TemplateContent, Kind = "official" });
        var template = ChannelsHarness.ReminderTemplate(account.Id, defined.TemplateId);
        await using (var db = await world.Host.Contexts().CreateDbContextAsync())
        {
            db.Templates.Add(template);
            await db.SaveChangesAsync();
        }
        var created = await world.Host.Services.GetRequiredService<ChannelService>()
            .CreateAsync(ChannelsHarness.Input(account.Id, template.Id, DateTimeOffset.UtcNow.AddHours(1)));
        Assert.True(created.Succeeded, string.Join(" ", created.Errors));
        var channel = created.Channel!;
        // The reminder fires: its run (the one engine, followers as audience) starts on the console's scheduler.
        Assert.Equal(FireResult.Started, await world.Host.Services.GetRequiredService<ReminderFiring>().FireAsync(channel.Id, channel.Occurrence));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (world.Sim.CountDeliveries(account.AppId).Total < rate * 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "The reminder broadcast did not start sending within a minute.");
            await Task.Delay(20);
        }

        using var api = world.Api();
        var before = world.Sim.CountDeliveries(account.AppId).Total;
        var answer = await api.PostAsJsonAsync("api/v1/messages?wait=10s", new
        {
            account = account.Id, openid = member, template = template.Id,
            data = new { thing1 = "New join request", time2 = "2026-12-07 20:00" },
        });
        var after = world.Sim.CountDeliveries(account.AppId).Total;

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var body = await answer.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Sent", body.GetProperty("status").GetString());
        Assert.Single(world.Sim.GetInbox(account.AppId, member), m => m.Data["thing1"] == "New join request");
        // Bulk sends the simulator took between the request and its answer: fewer than one second of the account's rate.
        Assert.InRange(after - before - 1, 0, rate - 1);
        // The ledger agrees: the message's row is sent while the broadcast has most of its 100,000 followers still to go.
        var messageId = body.GetProperty("id").GetInt64();
        await using var check = await world.Host.Contexts().CreateDbContextAsync();
        var runId = (await check.Channels.AsNoTracking().SingleAsync(c => c.Id == channel.Id)).CurrentRunId!.Value;
        var messageRun = await check.Set<PushConsole.Messages.TransactionalMessage>().AsNoTracking().Where(m => m.Id == messageId)
            .Select(m => m.RunId).SingleAsync();
        Assert.Equal(PushConsole.Ledger.DeliveryStatus.Sent, await check.Deliveries.Where(d => d.RunId == messageRun).Select(d => d.Status).SingleAsync());
        var bulkSent = await check.Deliveries.CountAsync(d => d.RunId == runId && d.Status == PushConsole.Ledger.DeliveryStatus.Sent);
        Assert.InRange(bulkSent, rate, 100_000 - 1);
        var canceled = await world.Host.Services.GetRequiredService<ChannelService>().CancelReminderAsync(channel.Id, "The test is over.", null);
        Assert.True(canceled.Succeeded, string.Join(" ", canceled.Errors));
    }
}
