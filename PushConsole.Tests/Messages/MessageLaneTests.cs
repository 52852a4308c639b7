using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using PushConsole.Ledger;
using PushConsole.Messages;
using PushConsole.Persistence;
using PushConsole.Sending;
using PushConsole.Tests.Campaigns;
using PushConsole.Tests.Infrastructure;
using PushConsole.Users;

namespace PushConsole.Tests.Messages;

/// <summary>The account's message lane: concurrent messages share their commit, each keeps its own row and outcome.</summary>
public class MessageLaneTests
{
    [Theory]
    [ProviderData(DatabaseProvider.Sqlite)]
    [ProviderData(DatabaseProvider.Postgres)]
    public async Task Concurrent_messages_to_one_account_are_recorded_in_fewer_commits_than_messages_and_no_credential_is_used_twice(
        DatabaseProvider provider)
    {
        await using var world = await ConsoleWorld.StartAsync(provider);
        var account = await world.AccountAsync();
        var template = await world.TemplateAsync(account);
        // Ten users with two formIds each, three messages each, all at once: twenty can go out, ten find nothing left.
        var users = await world.UsersWithFormIdsAsync(account, 10, formIds: 2);
        using var api = world.Api(await TestUsers.CreateWithTokenAsync(world.Host, "backend@test.local", Roles.Sender));
        var lanes = world.Host.Services.GetRequiredService<MessageLanes>();
        var commitsBefore = lanes.Commits;

        // The lane's first batch is held at its write until messages wait behind it, so some share a commit however the
        // machine schedules the requests: on SQLite by the write turn, on PostgreSQL by a lock on the table.
        Task<(HttpStatusCode StatusCode, long Id, string? Status)[]> sending;
        await using (await LaneWriteHold.StartAsync(world, provider))
        {
            sending = Task.WhenAll(users.Keys.SelectMany(user => Enumerable.Repeat(user, 3)).Select(async user =>
            {
                using var answer = await api.PostAsJsonAsync("api/v1/messages?wait=10s", new
                {
                    account = account.Id, openid = user, template = template.Id, data = new { keyword1 = "Approved", keyword2 = "today" },
                });
                var body = await answer.Content.ReadFromJsonAsync<JsonElement>();
                // 409 (nothing left to send with) carries the message under "message".
                var view = body.TryGetProperty("message", out var inner) ? inner : body;
                return (answer.StatusCode, Id: view.GetProperty("id").GetInt64(), Status: view.GetProperty("status").GetString());
            }));
            await Channels.BroadcastTests.WaitUntilAsync(() => Task.FromResult(lanes.Waiting(account.Id) >= 2));
        }
        var answers = await sending;

        Assert.Equal(30, answers.Select(a => a.Id).Distinct().Count());
        Assert.InRange(lanes.Commits - commitsBefore, 1, 29);
        Assert.Equal(20, answers.Count(a => a.Status == "Sent"));
        Assert.All(answers.Where(a => a.Status != "Sent"), a => Assert.Equal((HttpStatusCode.Conflict, "NoCredential"), (a.StatusCode, a.Status)));
        var inboxes = users.Keys.SelectMany(user => world.Sim.GetInbox(account.AppId, user)).ToList();
        Assert.Equal(20, inboxes.Count);
        // Every formId went out once, and only formIds the pool held for that user.
        Assert.Equal(20, inboxes.Select(i => i.FormId).Distinct().Count());
        Assert.All(users, u => Assert.Equal(u.Value.Order(), world.Sim.GetInbox(account.AppId, u.Key).Select(i => i.FormId).Order()));
        // Each message has its own run and ledger row.
        await using var db = await world.Host.Contexts().CreateDbContextAsync();
        var ids = answers.Select(a => a.Id).ToList();
        var runs = await db.Set<TransactionalMessage>().Where(m => ids.Contains(m.Id)).Select(m => m.RunId).ToListAsync();
        Assert.Equal(30, runs.Distinct().Count());
        Assert.Equal(30, await db.Deliveries.CountAsync(d => runs.Contains(d.RunId)));
    }

    [Theory]
    [ProviderData(DatabaseProvider.Sqlite)]
    [ProviderData(DatabaseProvider.Postgres)]
    public async Task Fifty_concurrent_messages_to_one_account_are_sent_in_fewer_engine_executions_than_messages_each_with_one_row_and_one_inbox_message(
        DatabaseProvider provider)
    {
        // One sender per account, and WeChat slow enough that the messages arriving during the first send gather behind it.
        await using var world = await ConsoleWorld.StartAsync(provider, new Dictionary<string, string?> { ["Messages:SendersPerAccount"] = "1" });
        var account = await world.AccountAsync();
        var template = await world.TemplateAsync(account);
        world.Sim.AddFault(new global::PushConsole.Simulator.FaultSpec { AppId = account.AppId, Api = "wxopen_template_send", LatencyMs = 300 });
        // Fifty users with one formId each, and two more messages to the first user, who holds three: one use per message.
        var users = await world.UsersWithFormIdsAsync(account, 50);
        var (twice, formIds) = (await world.UsersWithFormIdsAsync(account, 1, formIds: 3)).Single();
        using var api = world.Api(await TestUsers.CreateWithTokenAsync(world.Host, "backend@test.local", Roles.Sender));
        var executor = world.Host.Services.GetRequiredService<RunExecutor>();
        var executionsBefore = executor.Executions;

        var answers = await Task.WhenAll(users.Keys.Concat(Enumerable.Repeat(twice, 3)).Select(async user =>
        {
            using var answer = await api.PostAsJsonAsync("api/v1/messages?wait=20s", new
            {
                account = account.Id, openid = user, template = template.Id, data = new { keyword1 = "Approved", keyword2 = "today" },
            });
            var body = await answer.Content.ReadFromJsonAsync<JsonElement>();
            return (Id: body.GetProperty("id").GetInt64(), Status: body.GetProperty("status").GetString());
        }));

        Assert.All(answers, a => Assert.Equal("Sent", a.Status));
        Assert.Equal(53, answers.Select(a => a.Id).Distinct().Count());
        Assert.InRange(executor.Executions - executionsBefore, 1, 52);
        // One inbox message per message: each user of the fifty got theirs with their formId, the third user three with three formIds.
        Assert.All(users, u => Assert.Equal(u.Value, world.Sim.GetInbox(account.AppId, u.Key).Select(i => i.FormId)));
        Assert.Equal(formIds.Order(), world.Sim.GetInbox(account.AppId, twice).Select(i => i.FormId).Order());
        // Each message kept its own run, completed with an exact tally, and its own ledger row.
        await using var db = await world.Host.Contexts().CreateDbContextAsync();
        var ids = answers.Select(a => a.Id).ToList();
        var runs = await db.Set<TransactionalMessage>().Where(m => ids.Contains(m.Id)).Select(m => m.RunId!.Value).ToListAsync();
        Assert.Equal(53, runs.Distinct().Count());
        Assert.Equal(53, await db.Deliveries.CountAsync(d => runs.Contains(d.RunId) && d.Status == DeliveryStatus.Sent));
        // A caller hears the outcome once its row is written, and that same write completed its run (opened Running).
        Assert.Equal(53, await db.DeliveryRuns.CountAsync(r => runs.Contains(r.Id) && r.Status == RunStatus.Completed
            && r.StartedAt != null && r.FinishedAt != null));
        Assert.Equal(53, await db.Set<RunTally>().CountAsync(t => runs.Contains(t.RunId) && t.Sent == 1 && t.Rows == 1 && t.Failed == 0));
        // Every formId the pool held for these users was spent once.
        Assert.Equal(0, await db.Credentials.CountAsync(c => c.AccountId == account.Id && c.Status == global::PushConsole.Credentials.CredentialStatus.Available && c.UsesLeft > 0));
    }

    [Theory]
    [ProviderData(DatabaseProvider.Sqlite)]
    [ProviderData(DatabaseProvider.Postgres)]
    public async Task Two_identical_requests_without_a_key_in_one_batch_become_two_messages_with_their_own_runs_and_rows_and_the_ids_answered_are_those_stored(
        DatabaseProvider provider)
    {
        await using var world = await ConsoleWorld.StartAsync(provider);
        var account = await world.AccountAsync();
        var template = await world.TemplateAsync(account);
        var users = (await world.UsersWithFormIdsAsync(account, 2)).Keys.ToList();
        var services = world.Host.Services;
        var validator = services.GetRequiredService<MessageRequestValidator>();
        async Task<MessageDraft> DraftAsync(string user) => (await validator.ValidateAsync(new MessageRequest(
            JsonSerializer.SerializeToElement(account.Id), user, JsonSerializer.SerializeToElement(template.Id),
            JsonSerializer.SerializeToElement(new { keyword1 = "Approved", keyword2 = "today" })), CancellationToken.None)).Draft!;
        var (other, same, again) = (await DraftAsync(users[0]), await DraftAsync(users[1]), await DraftAsync(users[1]));
        Assert.Equal(same.Hash, again.Hash);
        var lanes = services.GetRequiredService<MessageLanes>();
        var commitsBefore = lanes.Commits;

        // The lane's first batch (another user's message) is held at its write until both identical requests wait behind
        // it, so they are the next batch together: on SQLite by the write turn, on PostgreSQL by a lock on the table.
        Task<LaneRecord> first, one, two;
        await using (await LaneWriteHold.StartAsync(world, provider))
        {
            first = lanes.RecordAsync(other, null, "backend");
            await Channels.BroadcastTests.WaitUntilAsync(() => Task.FromResult(lanes.Waiting(account.Id) == 0));
            one = lanes.RecordAsync(same, null, "backend");
            two = lanes.RecordAsync(again, null, "backend");
            Assert.Equal(2, lanes.Waiting(account.Id));
            Assert.False(first.IsCompleted);
        }
        var records = await Task.WhenAll(first, one, two);

        Assert.Equal(2, lanes.Commits - commitsBefore);
        var answered = records.Select(r => r.Created!).ToList();
        Assert.Equal(3, answered.Select(m => m.Id).Distinct().Count());
        Assert.Equal(3, answered.Select(m => m.RunId).Distinct().Count());
        await using var db = await world.Host.Contexts().CreateDbContextAsync();
        var stored = await db.Set<TransactionalMessage>().AsNoTracking().Where(m => m.AccountId == account.Id).ToListAsync();
        Assert.Equal(answered.Select(m => m.Id).Order(), stored.Select(m => m.Id).Order());
        foreach (var message in answered)
        {
            // The id answered is the row that holds this message's content, and it points at the run opened for that id.
            var row = Assert.Single(stored, m => m.Id == message.Id);
            Assert.Equal((message.OpenId, message.RequestHash, message.Payload, message.RunId, (string?)null),
                (row.OpenId, row.RequestHash, row.Payload, row.RunId, row.IdempotencyKey));
            // Stored as EF Core stores it (PostgreSQL keeps microseconds), and read back by EF Core.
            Assert.InRange((row.CreatedAt - message.CreatedAt).Duration().Ticks, 0, 9);
            var run = await db.DeliveryRuns.AsNoTracking().SingleAsync(r => r.Id == row.RunId);
            Assert.Equal((TransactionalMessage.FireKeyOf(row.Id), RunKind.Message, RunStatus.Running, 1),
                (run.FireKey, run.Kind, run.Status, run.ExpectedTotal));
            var delivery = await db.Deliveries.AsNoTracking().SingleAsync(d => d.RunId == run.Id);
            Assert.Equal((row.OpenId, DeliveryStatus.Pending), (delivery.Recipient, delivery.Status));
            Assert.Equal(1, await db.Set<RunTally>().CountAsync(t => t.RunId == run.Id));
        }
        Assert.Equal(2, stored.Count(m => m.OpenId == users[1]));
    }

    [Theory]
    [ProviderData(DatabaseProvider.Sqlite)]
    [ProviderData(DatabaseProvider.Postgres)]
    public async Task A_batch_holding_an_Idempotency_Key_another_node_recorded_meanwhile_is_refused_with_the_error_the_lane_retries_on(
        DatabaseProvider provider)
    {
        await using var world = await ConsoleWorld.StartAsync(provider);
        var account = await world.AccountAsync();
        var template = await world.TemplateAsync(account);
        TransactionalMessage Message(string openId, string? key) => new()
        {
            AccountId = account.Id, TemplateId = template.Id, OpenId = openId, IdempotencyKey = key, RequestHash = "hash", Payload = "{}",
            RequestedBy = "backend", CreatedAt = DateTimeOffset.UtcNow,
        };
        await using (var other = await world.Host.Contexts().CreateDbContextAsync())
        {
            other.Add(Message("first-user", "order-17"));
            await other.SaveChangesAsync();
        }

        // The lane's SELECT of the batch's keys ran before the other node's insert; its own insert meets the unique key.
        await using var db = await world.Host.Contexts().CreateDbContextAsync();
        await using var transaction = await db.Database.BeginTransactionAsync();
        var error = await Assert.ThrowsAsync<DbUpdateException>(() => ProviderStores.Ledger(provider).InsertMessagesAsync(
            db.Database.GetDbConnection(), transaction.GetDbTransaction(), [Message("another-user", null), Message("second-user", "order-17")],
            CancellationToken.None));

        Assert.IsAssignableFrom<System.Data.Common.DbException>(error.InnerException);
    }

    [Theory]
    [ProviderData(DatabaseProvider.Postgres)]
    public async Task A_message_left_mid_send_by_a_dead_node_is_sent_once_by_recovery_with_the_credential_its_row_holds(DatabaseProvider provider)
    {
        await using var world = await ConsoleWorld.StartAsync(provider, new Dictionary<string, string?>
        {
            ["Sending:AbandonedAfter"] = "00:00:01",
            ["Messages:RecoverAfter"] = "00:00:00",
        });
        var account = await world.AccountAsync();
        var template = await world.TemplateAsync(account);
        var (user, formIds) = (await world.UsersWithFormIdsAsync(account, 1, formIds: 2)).Single();
        var services = world.Host.Services;
        var (draft, _) = await services.GetRequiredService<MessageRequestValidator>().ValidateAsync(new MessageRequest(
            JsonSerializer.SerializeToElement(account.Id), user, JsonSerializer.SerializeToElement(template.Id),
            JsonSerializer.SerializeToElement(new { keyword1 = "Approved", keyword2 = "today" })), CancellationToken.None);
        // A node recorded the message, moved its run to Running, claimed the earliest formId and took the row — and died.
        var (message, _, _) = await services.GetRequiredService<MessageLanes>().RecordAsync(draft!, null, "backend");
        var runId = message!.RunId!.Value;
        var ledger = services.GetRequiredService<DeliveryLedger>();
        await using (var db = await world.Host.Contexts().CreateDbContextAsync())
        {
            await db.DeliveryRuns.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Running));
        }
        var claim = Assert.Single(await services.GetRequiredService<ICredentialSource>()
            .ClaimAsync(account.Id, [user], CredentialNeed.Of(template), CancellationToken.None));
        Assert.Equal(formIds[0], claim.Value);
        var row = Assert.Single(await ledger.PeekPendingAsync(runId, 10));
        var take = await ledger.TakeForSendingAsync(runId, account.Id, [(row.Id, claim.Id)], MessageLanes.DayOf(account, DateTimeOffset.UtcNow), null);
        Assert.Single(take.Taken);

        var messages = services.GetRequiredService<TransactionalMessages>();
        Assert.True(await services.GetRequiredService<MessageRecovery>().RecoverAsync(CancellationToken.None) >= 1);
        var status = await messages.WaitAsync(message.Id, TimeSpan.FromSeconds(20), CancellationToken.None);

        Assert.Equal(MessageState.Sent, status!.State);
        var inbox = Assert.Single(world.Sim.GetInbox(account.AppId, user));
        Assert.Equal(formIds[0], inbox.FormId);
        var counts = await ledger.CountAsync(runId);
        Assert.Equal((1, 0, 0), (counts.Sent, counts.Sending, counts.Pending));
    }
}

/// <summary>
/// Holds every lane's write until disposed: on SQLite by taking the write turn, on PostgreSQL by a lock on the messages
/// table in an open transaction. A batch the lane takes meanwhile waits at its write, and messages queue behind it.
/// </summary>
internal sealed class LaneWriteHold : IAsyncDisposable
{
    private readonly PushConsoleDbContext holder;
    private readonly WriteGate.Turn turn;
    private readonly IDbContextTransaction? transaction;

    private LaneWriteHold(PushConsoleDbContext holder, WriteGate.Turn turn, IDbContextTransaction? transaction) =>
        (this.holder, this.turn, this.transaction) = (holder, turn, transaction);

    public static async Task<LaneWriteHold> StartAsync(ConsoleWorld world, DatabaseProvider provider)
    {
        var holder = await world.Host.Contexts().CreateDbContextAsync();
        var turn = await world.Host.Services.GetRequiredService<WriteGate>().EnterAsync(CancellationToken.None);
        IDbContextTransaction? transaction = null;
        if (provider == DatabaseProvider.Postgres)
        {
            transaction = await holder.Database.BeginTransactionAsync();
            await holder.Database.ExecuteSqlRawAsync("""LOCK TABLE "TransactionalMessages" IN EXCLUSIVE MODE""");
        }
        return new LaneWriteHold(holder, turn, transaction);
    }

    public async ValueTask DisposeAsync()
    {
        if (transaction is not null)
        {
            await transaction.DisposeAsync();
        }
        turn.Dispose();
        await holder.DisposeAsync();
    }
}
