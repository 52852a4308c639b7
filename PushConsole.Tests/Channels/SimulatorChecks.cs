using PushConsole.Tests.Infrastructure;
using System.Text.Json;
using PushConsole.Tests.Simulator;

namespace PushConsole.Tests.Channels;

/// <summary>What the simulator's inboxes say about a broadcast.</summary>
public static class SimulatorChecks
{
    public sealed record Deliveries(long Total, int Recipients, int RecipientsWithDuplicates);

    public static async Task<Deliveries> DeliveriesAsync(this TestApp app, string templateId)
    {
        var counts = await app.Server.GetAsync($"control/apps/{app.AppId}/deliveries/count?template_id={Uri.EscapeDataString(templateId)}");
        return new Deliveries(counts.GetProperty("template_total").GetInt64(), counts.GetProperty("template_recipients").GetInt32(),
            counts.GetProperty("recipients_with_duplicates").GetInt32());
    }

    /// <summary>Every one of the first <paramref name="followers"/> generated followers got the template exactly once.</summary>
    public static async Task AssertEachGotExactlyOneAsync(this TestApp app, string templateId, int followers)
    {
        var deliveries = await app.DeliveriesAsync(templateId);
        Assert.Equal(0, deliveries.RecipientsWithDuplicates);
        Assert.Equal(followers, deliveries.Recipients);
        Assert.Equal(followers, deliveries.Total);
        foreach (var index in new[] { 0, followers / 2, followers - 1 })
        {
            Assert.Equal(1, await app.InboxCountAsync(await app.OpenIdAsync(index)));
        }
    }

    public static async Task<JsonElement> AddFaultAsync(this TestApp app, object fault) => await app.Server.PostAsync("control/faults", fault);

    public static async Task<long> ErrorCountAsync(this TestApp app, string api, int errcode)
    {
        var counters = await app.Server.GetAsync("control/counters");
        return counters.TryGetProperty(app.AppId, out var byApi) && byApi.TryGetProperty(api, out var counter)
            && counter.GetProperty("errors").TryGetProperty(errcode.ToString(), out var n) ? n.GetInt64() : 0;
    }
}
