using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PushConsole.Messages;
using PushConsole.Persistence;
using PushConsole.Tests.Campaigns;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.Messages;

/// <summary>Outcome callbacks to an account's webhook: signed, one event per message, redelivered with backoff.</summary>
public class MessageCallbackTests
{
    [Fact]
    public async Task The_webhook_receives_one_signed_callback_per_message_and_gets_it_again_after_failing_twice()
    {
        // Only recorded callbacks wake the console's own dispatcher: the retries below are driven by the test's clock.
        await using var world = await ConsoleWorld.StartAsync(settings: new Dictionary<string, string?> { ["Messages:CallbackPollInterval"] = "01:00:00" });
        await using var receiver = await Receiver.StartAsync(failFirst: 2);
        var account = await world.AccountAsync();
        var template = await world.TemplateAsync(account);
        var (user, _) = (await world.UsersWithFormIdsAsync(account, 1)).Single();
        using var api = world.Api();

        var refused = await api.PutAsJsonAsync($"api/v1/accounts/{account.Id}/webhook", new { url = "https://example.com/hook" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("Accounts:AllowedApiBaseUrls", await refused.Content.ReadAsStringAsync());
        var set = await api.PutAsJsonAsync($"api/v1/accounts/{account.Id}/webhook", new { url = receiver.Url });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var secret = (await set.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;
        Assert.StartsWith("whsec_", secret);
        var shown = await api.GetFromJsonAsync<JsonElement>($"api/v1/accounts/{account.Id}/webhook");
        Assert.False(shown.TryGetProperty("secret", out _));

        var sent = await api.PostAsJsonAsync("api/v1/messages?wait=5s",
            new { account = account.Id, openid = user, template = template.Id, data = new { keyword1 = "Approved" } });
        var messageId = (await sent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        await receiver.WaitForAsync(1);
        await WaitForAttemptsAsync(world, messageId, 1);

        // The first attempt failed; the next are due 10 s and then 30 s later on the dispatcher's clock.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow + TimeSpan.FromSeconds(11));
        var outcomes = new MessageOutcomes(world.Host.Contexts(), world.Host.Services.GetRequiredService<MessageWebhooks>(),
            world.Host.Services.GetRequiredService<IHttpClientFactory>(), world.Host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<MessageOptions>>(),
            clock, NullLogger<MessageOutcomes>.Instance);
        Assert.Equal(0, await outcomes.DeliverDueAsync(CancellationToken.None));
        Assert.Equal(2, receiver.Calls.Count);
        Assert.Equal(0, await outcomes.DeliverDueAsync(CancellationToken.None));
        Assert.Equal(2, receiver.Calls.Count);
        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(1, await outcomes.DeliverDueAsync(CancellationToken.None));
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, await outcomes.DeliverDueAsync(CancellationToken.None));

        Assert.Equal(3, receiver.Calls.Count);
        Assert.Single(receiver.Calls.Select(c => c.EventId).Distinct());
        Assert.All(receiver.Calls, c => Assert.True(MessageCallbackSignature.Verify(secret, c.Timestamp, c.Body, c.Signature)));
        Assert.False(MessageCallbackSignature.Verify(secret, receiver.Calls[0].Timestamp + 1, receiver.Calls[0].Body, receiver.Calls[0].Signature));
        var body = JsonDocument.Parse(receiver.Calls[^1].Body).RootElement;
        Assert.Equal(("message.sent", messageId, "Sent"), (body.GetProperty("type").GetString(),
            body.GetProperty("message").GetProperty("id").GetInt64(), body.GetProperty("message").GetProperty("status").GetString()));
        Assert.Equal(receiver.Calls[0].EventId, body.GetProperty("id").GetString());
        await using var db = await world.Host.Contexts().CreateDbContextAsync();
        var callback = await db.Set<MessageCallback>().AsNoTracking().SingleAsync(c => c.MessageId == messageId);
        Assert.Equal((3, true), (callback.Attempts, callback.DeliveredAt is not null));
    }

    [Fact]
    public async Task A_message_without_a_usable_credential_is_called_back_as_no_credential()
    {
        await using var world = await ConsoleWorld.StartAsync();
        await using var receiver = await Receiver.StartAsync(failFirst: 0);
        var account = await world.AccountAsync();
        var template = await world.TemplateAsync(account);
        using var api = world.Api();
        var secret = (await (await api.PutAsJsonAsync($"api/v1/accounts/{account.Id}/webhook", new { url = receiver.Url }))
            .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;

        var answer = await api.PostAsJsonAsync("api/v1/messages",
            new { account = account.Id, openid = CampaignHarness.NewOpenId(), template = template.Id, data = new { keyword1 = "Approved" } });
        Assert.Equal(HttpStatusCode.Conflict, answer.StatusCode);
        await receiver.WaitForAsync(1);

        var call = Assert.Single(receiver.Calls);
        Assert.True(MessageCallbackSignature.Verify(secret, call.Timestamp, call.Body, call.Signature));
        Assert.Equal("message.no_credential", JsonDocument.Parse(call.Body).RootElement.GetProperty("type").GetString());
    }

    private static async Task WaitForAttemptsAsync(ConsoleWorld world, long messageId, int attempts)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await using var db = await world.Host.Contexts().CreateDbContextAsync();
            if (await db.Set<MessageCallback>().AnyAsync(c => c.MessageId == messageId && c.Attempts >= attempts))
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, $"The callback of message {messageId} was not tried {attempts} time(s) within 30 s.");
            await Task.Delay(20);
        }
    }

    /// <summary>A webhook receiver on a loopback port that records every call and fails the first few.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication app;
        private int failuresLeft;

        private Receiver(WebApplication app, int failFirst)
        {
            this.app = app;
            failuresLeft = failFirst;
        }

        public sealed record Call(string EventId, long Timestamp, string? Signature, string Body);

        public List<Call> Calls => [.. calls];
        private readonly ConcurrentQueue<Call> calls = new();
        public string Url { get; private set; } = "";

        public static async Task<Receiver> StartAsync(int failFirst)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            var receiver = new Receiver(app, failFirst);
            app.MapPost("/hook", async (HttpRequest request) =>
            {
                using var reader = new StreamReader(request.Body);
                var body = await reader.ReadToEndAsync();
                receiver.calls.Enqueue(new Call(request.Headers[MessageCallbackSignature.EventIdHeader].ToString(),
                    long.Parse(request.Headers[MessageCallbackSignature.TimestampHeader].ToString(), System.Globalization.CultureInfo.InvariantCulture),
                    request.Headers[MessageCallbackSignature.SignatureHeader].ToString(), body));
                return Interlocked.Decrement(ref receiver.failuresLeft) >= 0 ? Results.StatusCode(500) : Results.Ok();
            });
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            receiver.Url = address.TrimEnd('/') + "/hook";
            return receiver;
        }

        public async Task WaitForAsync(int count)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (calls.Count < count)
            {
                Assert.True(DateTime.UtcNow < deadline, $"The receiver got {calls.Count} of {count} callbacks within 30 s.");
                await Task.Delay(20);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
