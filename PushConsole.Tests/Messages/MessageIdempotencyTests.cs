using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PushConsole.Persistence;
using PushConsole.Tests.Campaigns;
using PushConsole.Tests.Infrastructure;
using PushConsole.Users;

namespace PushConsole.Tests.Messages;

/// <summary>The Idempotency-Key is a unique key in the database: one message per key, whichever node is asked.</summary>
public class MessageIdempotencyTests
{
    [Theory]
    [ProviderData(DatabaseProvider.Postgres)]
    public async Task The_same_key_sent_20_times_at_once_to_two_nodes_on_one_database_yields_one_inbox_message(DatabaseProvider provider)
    {
        await using var world = await ConsoleWorld.StartAsync(provider);
        // A second console node on the same database: its own engine, rate limiter and in-memory state.
        await using var second = new ConsoleHost(world.Host.Database, new Dictionary<string, string?>
        {
            ["WeChat:RetryBaseDelay"] = "00:00:00.005",
            ["WeChat:RetryMaxDelay"] = "00:00:00.020",
        }).Start();
        var account = await world.AccountAsync();
        var template = await world.TemplateAsync(account);
        var (user, _) = (await world.UsersWithFormIdsAsync(account, 1, formIds: 5)).Single();
        var token = await TestUsers.CreateWithTokenAsync(world.Host, "backend@test.local", Roles.Sender);
        using var first = world.Host.CreateHttpClient(token);
        using var other = second.CreateHttpClient(token);
        var body = new { account = account.Id, openid = user, template = template.Id, data = new { keyword1 = "Approved", keyword2 = "today" } };

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/messages?wait=5s") { Content = JsonContent.Create(body) };
            request.Headers.Add("Idempotency-Key", "join-approved-4711");
            using var answer = await (i % 2 == 0 ? first : other).SendAsync(request);
            var json = await answer.Content.ReadFromJsonAsync<JsonElement>();
            return (answer.StatusCode, Id: json.GetProperty("id").GetInt64(), Replayed: answer.Headers.Contains("Idempotent-Replayed"));
        }));

        Assert.Single(answers.Select(a => a.Id).Distinct());
        Assert.All(answers, a => Assert.Contains(a.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.Accepted }));
        Assert.Equal(19, answers.Count(a => a.Replayed));
        var status = await first.GetFromJsonAsync<JsonElement>($"api/v1/messages/{answers[0].Id}?wait=5s");
        Assert.Equal("Sent", status.GetProperty("status").GetString());
        Assert.Single(world.Sim.GetInbox(account.AppId, user));
    }

    [Fact]
    public async Task A_key_reused_for_a_different_message_is_refused_with_422_and_nothing_more_is_sent()
    {
        await using var world = await ConsoleWorld.StartAsync();
        var account = await world.AccountAsync();
        var template = await world.TemplateAsync(account);
        var (user, _) = (await world.UsersWithFormIdsAsync(account, 1, formIds: 2)).Single();
        using var api = world.Api();

        async Task<HttpResponseMessage> SendAsync(string text)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/messages?wait=5s")
            {
                Content = JsonContent.Create(new { account = account.Id, openid = user, template = template.Id, data = new { keyword1 = text } }),
            };
            request.Headers.Add("Idempotency-Key", "review-result-1");
            return await api.SendAsync(request);
        }

        Assert.Equal(HttpStatusCode.OK, (await SendAsync("Approved")).StatusCode);
        var again = await SendAsync("Approved");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.True(again.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal((HttpStatusCode)422, (await SendAsync("Rejected")).StatusCode);
        Assert.Single(world.Sim.GetInbox(account.AppId, user));
    }
}
