using Microsoft.Extensions.Time.Testing;
using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using PushConsole.Ledger;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.Ledger;

/// <summary>What campaigns added to the ledger: taking rows with their credentials and the daily cap in one step.</summary>
public class DeliveryLedgerSendingTests
{
    private static readonly DateOnly Today = new(2026, 11, 22);

    private static async Task<(DeliveryLedger Ledger, IDbContextFactory<PushConsoleDbContext> Contexts)> NewLedgerAsync(DatabaseProvider provider)
    {
        var database = await TestDatabases.NewMigratedAsync(provider);
        var contexts = TestDbContextFactory.For(database);
        await using (var db = await contexts.CreateDbContextAsync())
        {
            db.Accounts.Add(new Accounts.WeChatAccount { Name = "demo", AppId = "wxledger2", Kind = Accounts.AccountKind.MiniProgram, ApiBaseUrl = "http://127.0.0.1" });
            await db.SaveChangesAsync();
        }
        return (new DeliveryLedger(contexts, database, new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 2, 0, 0, TimeSpan.Zero))), contexts);
    }

    private static DeliveryRun NewRun(string key) =>
        new() { Kind = RunKind.Campaign, FireKey = key, Name = "test", AccountId = 1, TemplateId = 1, Status = RunStatus.Running };

    private static async Task<(DeliveryRun Run, IReadOnlyList<TakenDelivery> Pending)> RunWithAsync(DeliveryLedger ledger, string key, params string[] users)
    {
        var run = await ledger.OpenRunAsync(NewRun(key));
        await ledger.AddRecipientsAsync(run, users, Today);
        return (run, await ledger.PeekPendingAsync(run.Id, 1000));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task Taking_rows_attaches_their_credentials_and_skips_users_at_the_daily_cap_without_one(DatabaseProvider provider)
    {
        var (ledger, contexts) = await NewLedgerAsync(provider);
        var (earlier, earlierRows) = await RunWithAsync(ledger, "campaign:1:a", "ann");
        var first = await ledger.TakeForSendingAsync(earlier.Id, 1, earlierRows.Select(r => (r.Id, (long?)100)).ToList(), Today, dailyCap: 1);
        await ledger.UpdateAsync([new DeliveryUpdate(first.Taken[0].Id, DeliveryStatus.Sent)]);
        var (run, pending) = await RunWithAsync(ledger, "campaign:2:a", "ann", "bob", "cyd");

        var take = await ledger.TakeForSendingAsync(run.Id, 1,
            pending.Select(p => (p.Id, p.Recipient == "cyd" ? (long?)null : 200 + p.Id)).ToList(), Today, dailyCap: 1);

        Assert.Equal(["bob", "cyd"], take.Taken.Select(t => t.Recipient).Order());
        var capped = Assert.Single(take.Capped);
        Assert.Equal("ann", capped.Recipient);
        await using var db = await contexts.CreateDbContextAsync();
        var rows = await db.Deliveries.Where(d => d.RunId == run.Id).ToDictionaryAsync(d => d.Recipient);
        Assert.Equal((DeliveryStatus.Skipped, SkipReason.Capped, (long?)null), (rows["ann"].Status, rows["ann"].SkipReason, rows["ann"].CredentialId));
        Assert.Equal((DeliveryStatus.Sending, 200 + rows["bob"].Id), (rows["bob"].Status, rows["bob"].CredentialId));
        Assert.Equal((DeliveryStatus.Sending, (long?)null, 1), (rows["cyd"].Status, rows["cyd"].CredentialId, rows["cyd"].Attempts));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task Two_runs_taking_the_same_user_at_once_let_only_one_past_a_cap_of_one(DatabaseProvider provider)
    {
        var (ledger, _) = await NewLedgerAsync(provider);
        var users = Enumerable.Range(0, 200).Select(i => $"user{i}").ToArray();
        var runs = new List<(DeliveryRun Run, IReadOnlyList<TakenDelivery> Pending)>();
        for (var i = 0; i < 4; i++)
        {
            runs.Add(await RunWithAsync(ledger, $"campaign:{i}:race", users));
        }

        var takes = await Task.WhenAll(runs.Select(r => Task.Run(() =>
            ledger.TakeForSendingAsync(r.Run.Id, 1, r.Pending.Select(p => (p.Id, (long?)null)).ToList(), Today, dailyCap: 1))));

        var sending = takes.SelectMany(t => t.Taken).GroupBy(t => t.Recipient).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(users.Length, sending.Count);
        Assert.All(sending.Values, count => Assert.Equal(1, count));
        Assert.Equal(users.Length * 3, takes.Sum(t => t.Capped.Count));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task Rows_another_sender_took_meanwhile_are_not_taken_again(DatabaseProvider provider)
    {
        var (ledger, _) = await NewLedgerAsync(provider);
        var (run, pending) = await RunWithAsync(ledger, "campaign:1:twice", Enumerable.Range(0, 300).Select(i => $"u{i}").ToArray());
        var rows = pending.Select(p => (p.Id, (long?)null)).ToList();
        var taken = new ConcurrentBag<long>();

        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(async () =>
        {
            foreach (var row in (await ledger.TakeForSendingAsync(run.Id, 1, rows, Today, dailyCap: null)).Taken)
            {
                taken.Add(row.Id);
            }
        })));

        Assert.Equal(300, taken.Count);
        Assert.Equal(300, taken.Distinct().Count());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task Credentials_are_attached_detached_and_pending_rows_restamped_to_the_day_they_are_sent(DatabaseProvider provider)
    {
        var (ledger, contexts) = await NewLedgerAsync(provider);
        var (run, pending) = await RunWithAsync(ledger, "campaign:1:attach", "ann", "bob");
        var take = await ledger.TakeForSendingAsync(run.Id, 1, [(pending[0].Id, null)], Today, dailyCap: null);

        await ledger.AttachCredentialsAsync([(take.Taken[0].Id, 77)]);
        await ledger.UpdateAsync([new DeliveryUpdate(take.Taken[0].Id, DeliveryStatus.Pending, ErrCode: 41028, DetachCredential: true)]);
        var restamped = await ledger.RestampPendingAsync(run.Id, Today.AddDays(1));

        Assert.Equal(2, restamped);
        await using var db = await contexts.CreateDbContextAsync();
        var rows = await db.Deliveries.Where(d => d.RunId == run.Id).ToDictionaryAsync(d => d.Recipient);
        Assert.Null(rows["ann"].CredentialId);
        Assert.Equal(41028, rows["ann"].ErrCode);
        Assert.All(rows.Values, r => Assert.Equal(Today.AddDays(1), r.LocalDay));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task Users_at_the_daily_cap_are_found_in_one_read(DatabaseProvider provider)
    {
        var (ledger, _) = await NewLedgerAsync(provider);
        var (run, pending) = await RunWithAsync(ledger, "campaign:1:cap", "ann", "bob", "cyd");
        var take = await ledger.TakeForSendingAsync(run.Id, 1, pending.Select(p => (p.Id, (long?)null)).ToList(), Today, dailyCap: null);
        await ledger.UpdateAsync([
            new DeliveryUpdate(take.Taken.Single(t => t.Recipient == "ann").Id, DeliveryStatus.Sent),
            new DeliveryUpdate(take.Taken.Single(t => t.Recipient == "bob").Id, DeliveryStatus.Failed, ErrCode: 40003),
        ]);

        var atCap = await ledger.AtDailyCapAsync(1, ["ann", "bob", "cyd", "dan"], Today, dailyCap: 1);

        // ann was sent, cyd is being sent; bob's failure does not count.
        Assert.Equal(["ann", "cyd"], atCap.Order());
        Assert.Empty(await ledger.AtDailyCapAsync(1, ["ann"], Today.AddDays(1), dailyCap: 1));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task The_write_of_a_one_row_runs_final_outcome_completes_the_run_with_its_tally_but_not_a_run_put_back_or_canceled(DatabaseProvider provider)
    {
        var (ledger, contexts) = await NewLedgerAsync(provider);
        var runs = new Dictionary<string, DeliveryRun>();
        foreach (var user in new[] { "ann", "bob", "cyd", "dan" })
        {
            runs[user] = (await RunWithAsync(ledger, "message:" + user, user)).Run;
        }
        // ann's and bob's runs have no tally yet (OpenRunAsync leaves it to the first count): completing them makes one.
        await ledger.EnsureTallyAsync(runs["cyd"].Id);
        await ledger.EnsureTallyAsync(runs["dan"].Id);
        var pending = await ledger.PeekPendingAsync(runs.Values.Select(r => r.Id).ToList(), 1000);
        var take = await ledger.TakeForSendingAsync(null, 1, pending.Select(p => (p.Id, (long?)null)).ToList(), Today, dailyCap: null);
        long RowOf(string user) => take.Taken.Single(t => t.Recipient == user).Id;
        await using (var db = await contexts.CreateDbContextAsync())
        {
            // Canceled while its send was under way: the outcome is written, the run stays canceled.
            await db.DeliveryRuns.Where(r => r.Id == runs["dan"].Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Canceled));
        }

        var written = await ledger.UpdateAsync([
            new DeliveryUpdate(RowOf("ann"), DeliveryStatus.Sent, MsgId: 7),
            new DeliveryUpdate(RowOf("bob"), DeliveryStatus.Failed, ErrCode: 43101),
            new DeliveryUpdate(RowOf("cyd"), DeliveryStatus.Pending, ErrCode: -1),
            new DeliveryUpdate(RowOf("dan"), DeliveryStatus.Sent, MsgId: 8),
        ], runs.Values.Select(r => r.Id).ToHashSet());

        var runOf = runs.ToDictionary(r => r.Value.Id, r => r.Key);
        Assert.Equal(new Dictionary<string, bool> { ["ann"] = true, ["bob"] = true, ["cyd"] = false, ["dan"] = false },
            written.ToDictionary(w => runOf[w.RunId], w => w.RunCompleted));
        await using var check = await contexts.CreateDbContextAsync();
        var states = await check.DeliveryRuns.ToDictionaryAsync(r => runOf[r.Id], r => (r.Status, r.FinishedAt.HasValue));
        Assert.Equal((RunStatus.Completed, true), states["ann"]);
        Assert.Equal((RunStatus.Completed, true), states["bob"]);
        Assert.Equal((RunStatus.Running, false), states["cyd"]);
        Assert.Equal(RunStatus.Canceled, states["dan"].Status);
        var tallies = await check.Set<RunTally>().ToDictionaryAsync(t => runOf[t.RunId], t => (t.Sent, t.Failed, t.Skipped, t.Rows));
        Assert.Equal((1, 0, 0, 1), tallies["ann"]);
        Assert.Equal((0, 1, 0, 1), tallies["bob"]);
        Assert.Equal((0, 0, 0), (tallies["cyd"].Sent, tallies["cyd"].Failed, tallies["cyd"].Skipped));
        // Not completed here: its tally moves by the outcome, as any run's.
        Assert.Equal(1, tallies["dan"].Sent);
    }
}
