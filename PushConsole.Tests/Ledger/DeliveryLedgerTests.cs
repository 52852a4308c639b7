using Microsoft.Extensions.Time.Testing;
using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using PushConsole.Ledger;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.Ledger;

public class DeliveryLedgerTests
{
    private static readonly DateOnly Today = new(2026, 11, 22);

    private static async Task<(DeliveryLedger Ledger, IDbContextFactory<PushConsoleDbContext> Contexts, FakeTimeProvider Clock)> NewLedgerAsync(DatabaseProvider provider)
    {
        var database = await TestDatabases.NewMigratedAsync(provider);
        var contexts = TestDbContextFactory.For(database);
        await using (var db = await contexts.CreateDbContextAsync())
        {
            db.Accounts.Add(new Accounts.WeChatAccount { Name = "demo", AppId = "wxledger", Kind = Accounts.AccountKind.OfficialAccount, ApiBaseUrl = "http://127.0.0.1" });
            await db.SaveChangesAsync();
        }
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 2, 0, 0, TimeSpan.Zero));
        return (new DeliveryLedger(contexts, database, clock), contexts, clock);
    }

    private static DeliveryRun NewRun(string key = "campaign:1:fire:1") =>
        new() { Kind = RunKind.Campaign, FireKey = key, Name = "test", AccountId = 1, TemplateId = 1, Status = RunStatus.Running };

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task Opening_a_run_twice_with_the_same_fire_key_returns_the_same_run(DatabaseProvider provider)
    {
        var (ledger, _, _) = await NewLedgerAsync(provider);

        var runs = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => ledger.OpenRunAsync(NewRun()))));

        Assert.Single(runs.Select(r => r.Id).Distinct());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task Adding_the_same_recipients_again_creates_no_second_row(DatabaseProvider provider)
    {
        var (ledger, _, _) = await NewLedgerAsync(provider);
        var run = await ledger.OpenRunAsync(NewRun());

        var first = await ledger.AddRecipientsAsync(run, ["a", "b", "c"], Today);
        var second = await ledger.AddRecipientsAsync(run, ["b", "c", "d", "d"], Today);

        Assert.Equal(3, first);
        Assert.Equal(1, second);
        Assert.Equal(new RunCounts(4, 0, 0, 0, 0), await ledger.CountAsync(run.Id));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task Concurrent_takers_never_get_the_same_row(DatabaseProvider provider)
    {
        var (ledger, _, _) = await NewLedgerAsync(provider);
        var run = await ledger.OpenRunAsync(NewRun());
        await ledger.AddRecipientsAsync(run, Enumerable.Range(0, 3000).Select(i => $"user{i}").ToList(), Today);
        var taken = new ConcurrentBag<long>();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var batch = await ledger.TakePendingAsync(run.Id, 97);
                if (batch.Count == 0) return;
                foreach (var row in batch) taken.Add(row.Id);
            }
        })));

        Assert.Equal(3000, taken.Count);
        Assert.Equal(3000, taken.Distinct().Count());
        Assert.Equal(new RunCounts(0, 3000, 0, 0, 0), await ledger.CountAsync(run.Id));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task Outcomes_are_written_to_the_rows_and_counted_from_them(DatabaseProvider provider)
    {
        var (ledger, contexts, _) = await NewLedgerAsync(provider);
        var run = await ledger.OpenRunAsync(NewRun());
        await ledger.AddRecipientsAsync(run, ["a", "b", "c", "d"], Today);
        var rows = await ledger.TakePendingAsync(run.Id, 10);

        await ledger.UpdateAsync([
            new DeliveryUpdate(rows[0].Id, DeliveryStatus.Sent, MsgId: 123456789012, CredentialId: 7),
            new DeliveryUpdate(rows[1].Id, DeliveryStatus.Failed, ErrCode: 43004, ErrMsg: "require subscribe"),
            new DeliveryUpdate(rows[2].Id, DeliveryStatus.Skipped, SkipReason.NoCredential),
            new DeliveryUpdate(rows[3].Id, DeliveryStatus.Sending, CredentialId: 9),
        ]);

        Assert.Equal(new RunCounts(0, 1, 1, 1, 1), await ledger.CountAsync(run.Id));
        await using var db = await contexts.CreateDbContextAsync();
        var byRecipient = await db.Deliveries.ToDictionaryAsync(d => d.Recipient);
        Assert.Equal(123456789012, byRecipient["a"].MsgId);
        Assert.Equal(7, byRecipient["a"].CredentialId);
        Assert.NotNull(byRecipient["a"].FinishedAt);
        Assert.Equal(43004, byRecipient["b"].ErrCode);
        Assert.Equal("require subscribe", byRecipient["b"].ErrMsg);
        Assert.Equal(SkipReason.NoCredential, byRecipient["c"].SkipReason);
        Assert.Equal(9, byRecipient["d"].CredentialId);
        Assert.Null(byRecipient["d"].FinishedAt);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task Rows_abandoned_in_sending_go_back_to_pending_with_their_credential(DatabaseProvider provider)
    {
        var (ledger, _, clock) = await NewLedgerAsync(provider);
        var run = await ledger.OpenRunAsync(NewRun());
        await ledger.AddRecipientsAsync(run, ["a", "b"], Today);
        var early = await ledger.TakePendingAsync(run.Id, 1);
        await ledger.UpdateAsync([new DeliveryUpdate(early[0].Id, DeliveryStatus.Sending, CredentialId: 42)]);
        clock.Advance(TimeSpan.FromMinutes(5));
        await ledger.TakePendingAsync(run.Id, 1);

        var requeued = await ledger.RequeueAbandonedAsync(run.Id, TimeSpan.FromMinutes(2));
        var again = await ledger.TakePendingAsync(run.Id, 10);

        Assert.Equal(1, requeued);
        var row = Assert.Single(again);
        Assert.Equal(early[0].Id, row.Id);
        Assert.Equal(42, row.CredentialId);
        Assert.Equal(2, row.Attempts);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task Sends_of_a_day_are_counted_per_user_across_runs(DatabaseProvider provider)
    {
        var (ledger, _, _) = await NewLedgerAsync(provider);
        var first = await ledger.OpenRunAsync(NewRun("campaign:1:fire:1"));
        var second = await ledger.OpenRunAsync(NewRun("campaign:2:fire:1"));
        await ledger.AddRecipientsAsync(first, ["a", "b"], Today);
        await ledger.AddRecipientsAsync(second, ["a"], Today);
        foreach (var run in new[] { first, second })
        {
            var rows = await ledger.TakePendingAsync(run.Id, 10);
            await ledger.UpdateAsync(rows.Select(r => new DeliveryUpdate(r.Id, r.Recipient == "b" ? DeliveryStatus.Failed : DeliveryStatus.Sent)).ToList());
        }

        var counts = await ledger.SentOnDayAsync(1, ["a", "b", "c"], Today);
        var tomorrow = await ledger.SentOnDayAsync(1, ["a"], Today.AddDays(1));

        Assert.Equal(2, counts["a"]);
        Assert.False(counts.ContainsKey("b"));
        Assert.Empty(tomorrow);
    }
}
