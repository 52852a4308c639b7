using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PushConsole.Accounts;
using PushConsole.Persistence;
using PushConsole.Tests.Campaigns;
using PushConsole.Tests.Infrastructure;
using PushConsole.Users;

namespace PushConsole.Tests.Messages;

/// <summary>POST /api/v1/messages on the running console, against the simulator over loopback.</summary>
public class MessageApiTests
{
    [Theory]
    [ProviderData(DatabaseProvider.Sqlite)]
    [ProviderData(DatabaseProvider.Postgres)]
    public async Task A_message_reaches_the_users_inbox_with_the_earliest_expiring_formId_and_its_status_says_sent(DatabaseProvider provider)
    {
        await using var world = await ConsoleWorld.StartAsync(provider);
        var account = await world.AccountAsync();
        var template = await world.TemplateAsync(account);
        var (user, formIds) = (await world.UsersWithFormIdsAsync(account, 1, formIds: 3)).Single();
        using var api = world.Api(await TestUsers.CreateWithTokenAsync(world.Host, "backend@test.local", Roles.Sender));

        var answer = await api.PostAsJsonAsync("api/v1/messages?wait=5s", new
        {
            account = account.Id, openid = user, template = template.WeChatTemplateId,
            data = new { keyword1 = "Your request to join was approved", keyword2 = new { value = "2026-12-07", color = "#173177" } },
        });

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var body = await answer.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Sent", body.GetProperty("status").GetString());
        var inbox = Assert.Single(world.Sim.GetInbox(account.AppId, user));
        Assert.Equal(formIds[0], inbox.FormId);
        Assert.Equal("Your request to join was approved", inbox.Data["keyword1"]);
        Assert.Equal("pages/index/index", inbox.Page);
        var id = body.GetProperty("id").GetInt64();
        var status = await api.GetFromJsonAsync<JsonElement>(body.GetProperty("statusUrl").GetString()!.TrimStart('/'));
        Assert.Equal((id, "Sent"), (status.GetProperty("id").GetInt64(), status.GetProperty("status").GetString()));
    }

    [Theory]
    [ProviderData(DatabaseProvider.Sqlite)]
    [ProviderData(DatabaseProvider.Postgres)]
    public async Task The_outcome_a_waiting_caller_gets_is_the_one_its_status_route_reads_sent_or_refused(DatabaseProvider provider)
    {
        await using var world = await ConsoleWorld.StartAsync(provider);
        var account = await world.AccountAsync();
        var template = await world.TemplateAsync(account);
        var users = (await world.UsersWithFormIdsAsync(account, 2)).Keys.ToArray();
        using var api = world.Api();
        async Task<(JsonElement Answer, JsonElement Status)> SendAsync(string user)
        {
            var answer = await api.PostAsJsonAsync("api/v1/messages?wait=5s", new
            {
                account = account.Id, openid = user, template = template.Id, data = new { keyword1 = "Approved", keyword2 = "today" },
            });
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            var body = await answer.Content.ReadFromJsonAsync<JsonElement>();
            return (body, await api.GetFromJsonAsync<JsonElement>(body.GetProperty("statusUrl").GetString()!.TrimStart('/')));
        }

        var sent = await SendAsync(users[0]);
        // WeChat refuses the next send for this recipient (47003: a value breaks its field's rule): the message fails.
        world.Sim.AddFault(new global::PushConsole.Simulator.FaultSpec
        {
            AppId = account.AppId, Api = "wxopen_template_send", Errcode = 47003, Message = "argument invalid! data.keyword1.value", Count = 1,
        });
        var refused = await SendAsync(users[1]);

        Assert.Equal("Sent", sent.Answer.GetProperty("status").GetString());
        Assert.Equal("Failed", refused.Answer.GetProperty("status").GetString());
        Assert.Equal(47003, refused.Answer.GetProperty("errCode").GetInt32());
        foreach (var (answer, status) in new[] { sent, refused })
        {
            foreach (var field in new[] { "status", "msgId", "errCode", "errMsg", "meaning", "finishedAt", "runId" })
            {
                Assert.Equal(status.GetProperty(field).ToString(), answer.GetProperty(field).ToString());
            }
        }
    }

    [Fact]
    public async Task Without_wait_the_answer_is_202_with_a_status_url_that_reports_the_outcome_later()
    {
        await using var world = await ConsoleWorld.StartAsync();
        var account = await world.AccountAsync();
        var template = await world.TemplateAsync(account);
        var (user, _) = (await world.UsersWithFormIdsAsync(account, 1)).Single();
        using var api = world.Api();

        var answer = await api.PostAsJsonAsync("api/v1/messages", new
        {
            account = account.AppId, openid = user, template = template.Id, data = new { keyword1 = "Approved", keyword2 = "today" },
        });

        Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        var body = await answer.Content.ReadFromJsonAsync<JsonElement>();
        var statusUrl = body.GetProperty("statusUrl").GetString()!;
        Assert.Equal(statusUrl, answer.Headers.Location?.ToString());
        var status = await api.GetFromJsonAsync<JsonElement>(statusUrl.TrimStart('/') + "?wait=5s");
        Assert.Equal("Sent", status.GetProperty("status").GetString());
        Assert.Single(world.Sim.GetInbox(account.AppId, user));
    }

    [Fact]
    public async Task A_user_without_a_usable_credential_gets_409_saying_what_they_have_and_nothing_is_sent()
    {
        await using var world = await ConsoleWorld.StartAsync();
        var account = await world.AccountAsync();
        var template = await world.TemplateAsync(account);
        var user = CampaignHarness.NewOpenId();
        using var api = world.Api();

        var answer = await api.PostAsJsonAsync("api/v1/messages?wait=5s", new
        {
            account = account.Id, openid = user, template = template.Id, data = new { keyword1 = "Approved", keyword2 = "today" },
        });

        Assert.Equal(HttpStatusCode.Conflict, answer.StatusCode);
        var problem = await answer.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("No usable credential", problem.GetProperty("title").GetString());
        Assert.Contains("no usable formId or prepay_id", problem.GetProperty("detail").GetString());
        Assert.Equal(0, problem.GetProperty("holdings").GetProperty("usable").GetInt32());
        Assert.Equal("NoCredential", problem.GetProperty("message").GetProperty("status").GetString());
        Assert.Empty(world.Sim.GetInbox(account.AppId, user));
    }

    [Fact]
    public async Task Bad_requests_get_400_naming_the_field_editors_get_403_and_anonymous_callers_401()
    {
        await using var world = await ConsoleWorld.StartAsync();
        var account = await world.AccountAsync();
        var template = await world.TemplateAsync(account);
        using var api = world.Api();
        using var editor = world.Api(await TestUsers.CreateWithTokenAsync(world.Host, "editor@test.local", Roles.Editor));
        using var anonymous = world.Host.CreateHttpClient();
        var good = new { account = account.Id, openid = "o_user", template = template.Id, data = new { keyword1 = "a", keyword2 = "b" } };

        async Task<IReadOnlyList<string>> FieldsAsync(HttpResponseMessage answer)
        {
            Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
            var problem = await answer.Content.ReadFromJsonAsync<JsonElement>();
            return problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToList();
        }

        Assert.Equal(["openid"], await FieldsAsync(await api.PostAsJsonAsync("api/v1/messages", good with { openid = " " })));
        Assert.Equal(["account"], await FieldsAsync(await api.PostAsJsonAsync("api/v1/messages", new { account = 999_999, openid = "o", template = 1, data = new { } })));
        Assert.Equal(["template"], await FieldsAsync(await api.PostAsJsonAsync("api/v1/messages", new { account = account.Id, openid = "o", template = "no-such", data = new { } })));
        Assert.Equal(["data.nickname"], await FieldsAsync(await api.PostAsJsonAsync("api/v1/messages",
            new { account = account.Id, openid = "o", template = template.Id, data = new { keyword1 = "a", nickname = "b" } })));
        Assert.Equal(["url"], await FieldsAsync(await api.PostAsJsonAsync("api/v1/messages",
            new { account = account.Id, openid = "o", template = template.Id, data = new { keyword1 = "a" }, url = "https://example.com" })));
        Assert.Equal(["openid"], await FieldsAsync(await api.PostAsync("api/v1/messages",
            new StringContent("""{"account": 1, "openid": 42}""", System.Text.Encoding.UTF8, "application/json"))));
        Assert.Equal(["wait"], await FieldsAsync(await api.PostAsJsonAsync("api/v1/messages?wait=10m", good)));
        using (var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/messages") { Content = JsonContent.Create(good) })
        {
            request.Headers.Add("Idempotency-Key", new string('k', 201));
            Assert.Equal(["Idempotency-Key"], await FieldsAsync(await api.SendAsync(request)));
        }
        Assert.Equal(HttpStatusCode.Forbidden, (await editor.PostAsJsonAsync("api/v1/messages", good)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("api/v1/messages", good)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("api/v1/messages/424242")).StatusCode);
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_the_route_its_errors_and_the_outcome_callback()
    {
        await using var world = await ConsoleWorld.StartAsync();
        using var anonymous = world.Host.CreateHttpClient();

        var document = await anonymous.GetFromJsonAsync<JsonElement>("openapi/v1.json");

        var send = document.GetProperty("paths").GetProperty("/api/v1/messages").GetProperty("post");
        Assert.Equal(["200", "202", "400", "409", "422"], send.GetProperty("responses").EnumerateObject().Select(r => r.Name).Order().ToList());
        Assert.Contains("Idempotency-Key", send.GetProperty("description").GetString());
        var callback = document.GetProperty("webhooks").GetProperty("messageOutcome").GetProperty("post");
        Assert.Contains(callback.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "PushConsole-Signature");
    }

    [Fact]
    public async Task A_sender_token_may_send_messages_but_no_other_api_route()
    {
        await using var world = await ConsoleWorld.StartAsync();
        using var sender = world.Api(await TestUsers.CreateWithTokenAsync(world.Host, "backend@test.local", Roles.Sender));

        Assert.Equal(HttpStatusCode.Forbidden, (await sender.GetAsync("api/v1/campaigns")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await sender.GetAsync("api/v1/templates")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await sender.GetAsync("api/v1/messages/1")).StatusCode);
    }
}
