using Microsoft.EntityFrameworkCore;
using PushConsole.Credentials;
using PushConsole.Ledger;
using PushConsole.Outcomes;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.OutcomeTests;

/// <summary>The outcome charts read tallies the ledger's triggers keep; these tests hold them against the ledger rows.</summary>
public class OutcomeTallyTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task The_outcome_charts_equal_a_count_of_the_ledger_rows_after_takes_records_retries_cancels_and_deletes(DatabaseProvider provider)
    {
        await using var pool = await TestPool.CreateAsync(provider);
        var ledger = new DeliveryLedger(pool.Contexts, pool.Database, pool.Clock);
        var outcomes = new OutcomeQueries(pool.Contexts, pool.Clock);
        var today = DateOnly.FromDateTime(pool.Clock.GetUtcNow().UtcDateTime);
        var campaign = await OpenAsync(ledger, pool, RunKind.Campaign, "campaign", 40, today);
        var message = await OpenAsync(ledger, pool, RunKind.Message, "message", 5, today.AddDays(-1));

        var taken = await ledger.TakePendingAsync(campaign.Id, 30);
        await ledger.UpdateAsync([
            .. taken.Take(20).Select(t => new DeliveryUpdate(t.Id, DeliveryStatus.Sent, MsgId: t.Id)),
            .. taken.Skip(20).Take(6).Select(t => new DeliveryUpdate(t.Id, DeliveryStatus.Failed, ErrCode: t.Id % 2 == 0 ? 43101 : 40003)),
            // A retry: back to Pending, not finished.
            .. taken.Skip(26).Select(t => new DeliveryUpdate(t.Id, DeliveryStatus.Pending))]);
        await ledger.SkipPendingAsync(campaign.Id, SkipReason.Canceled);
        var sentMessages = await ledger.TakePendingAsync(message.Id, 5);
        await ledger.UpdateAsync([.. sentMessages.Select(t => new DeliveryUpdate(t.Id, DeliveryStatus.Failed))]);
        await using (var db = await pool.Contexts.CreateDbContextAsync())
        {
            // Rows changed and deleted behind the ledger's back are followed too: the triggers see every statement.
            await db.Deliveries.Where(d => d.RunId == campaign.Id && d.Status == DeliveryStatus.Sent).OrderBy(d => d.Id).Take(3).ExecuteDeleteAsync();
            await db.Deliveries.Where(d => d.RunId == message.Id).OrderBy(d => d.Id).Take(2)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Sent));
        }

        await AssertMatchesRowsAsync(pool, outcomes, today);
        Assert.Equal(0, (await pool.Services.GetRequiredService<TallyReconciliation>().RunAsync()).Outcomes);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Reconciliation_repairs_outcome_tallies_changed_behind_the_triggers_back(DatabaseProvider provider)
    {
        await using var pool = await TestPool.CreateAsync(provider);
        var ledger = new DeliveryLedger(pool.Contexts, pool.Database, pool.Clock);
        var outcomes = new OutcomeQueries(pool.Contexts, pool.Clock);
        var today = DateOnly.FromDateTime(pool.Clock.GetUtcNow().UtcDateTime);
        var run = await OpenAsync(ledger, pool, RunKind.Campaign, "drift", 10, today);
        var taken = await ledger.TakePendingAsync(run.Id, 10);
        await ledger.UpdateAsync([.. taken.Select(t => new DeliveryUpdate(t.Id, DeliveryStatus.Failed, ErrCode: 45009))]);
        await using (var db = await pool.Contexts.CreateDbContextAsync())
        {
            await db.Set<OutcomeTally>().ExecuteUpdateAsync(s => s.SetProperty(t => t.Count, t => t.Count + 7));
            db.Set<OutcomeTally>().Add(new OutcomeTally { AccountId = pool.AccountId, LocalDay = today, RunKind = RunKind.Broadcast, Status = DeliveryStatus.Sent, Count = 5 });
            await db.SaveChangesAsync();
        }
        var reconciliation = pool.Services.GetRequiredService<TallyReconciliation>();

        Assert.Equal(2, (await reconciliation.RunAsync()).Outcomes);

        Assert.Equal(0, (await reconciliation.RunAsync()).Outcomes);
        await AssertMatchesRowsAsync(pool, outcomes, today);
    }

    private static async Task<DeliveryRun> OpenAsync(DeliveryLedger ledger, TestPool pool, RunKind kind, string name, int recipients, DateOnly day)
    {
        var template = await TestAccounts.CreateSubscribeTemplateAsync(pool.Contexts, pool.AccountId, $"TPL_{name}");
        var run = await ledger.OpenRunAsync(new DeliveryRun
        {
            Kind = kind, FireKey = $"tally-{name}", Name = name, AccountId = pool.AccountId, TemplateId = template.Id, Status = RunStatus.Running,
            CreatedAt = pool.Clock.GetUtcNow(), StartedAt = pool.Clock.GetUtcNow(),
        });
        await ledger.AddRecipientsAsync(run, [.. Enumerable.Range(0, recipients).Select(i => $"{name}-{i}")], day);
        return run;
    }

    private static async Task AssertMatchesRowsAsync(TestPool pool, OutcomeQueries outcomes, DateOnly today)
    {
        await using var db = await pool.Contexts.CreateDbContextAsync();
        var rows = await (from d in db.Deliveries.AsNoTracking()
                          join r in db.DeliveryRuns on d.RunId equals r.Id
                          where d.Status >= DeliveryStatus.Sent && d.AccountId == pool.AccountId
                          select new { d.LocalDay, d.Status, d.SkipReason, d.ErrCode, r.Kind }).ToListAsync();
        var period = new OutcomePeriod(today.AddDays(-13), today);
        Assert.Equal(
            rows.GroupBy(r => (r.LocalDay, OutcomeQueries.CategoryOf(r.Status, r.SkipReason))).OrderBy(g => g.Key.LocalDay).ThenBy(g => g.Key.Item2)
                .Select(g => new DailyOutcome(g.Key.LocalDay, g.Key.Item2, g.Count())),
            await outcomes.DailyAsync(period, pool.AccountId));
        Assert.Equal(
            rows.GroupBy(r => (r.Kind, OutcomeQueries.CategoryOf(r.Status, r.SkipReason))).OrderBy(g => g.Key.Kind).ThenBy(g => g.Key.Item2)
                .Select(g => new KindOutcome(g.Key.Kind, g.Key.Item2, g.Count())),
            await outcomes.ByKindAsync(period, pool.AccountId));
        Assert.Equal(
            rows.Where(r => r.Status == DeliveryStatus.Failed).GroupBy(r => r.ErrCode).OrderByDescending(g => g.Count()).ThenBy(g => g.Key ?? int.MinValue)
                .Select(g => $"{g.Key}:{g.Count()}"),
            (await outcomes.TopErrorsAsync(period, 10, pool.AccountId)).Select(e => $"{e.ErrCode}:{e.Count}"));
    }
}
