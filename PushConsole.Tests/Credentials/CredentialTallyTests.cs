using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using PushConsole.Credentials;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.Credentials;

/// <summary>
/// The tallies behind the inventory against a recount of the rows (<see cref="TallyReconciliation"/> reads both in one
/// snapshot and reports every tally row that differs), after each kind of write the pool makes.
/// </summary>
public class CredentialTallyTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task The_tallies_agree_with_a_recount_after_intake_claims_settlements_and_sweeps(DatabaseProvider provider)
    {
        await using var pool = await TestPool.CreateAsync(provider);
        var reconciliation = pool.Services.GetRequiredService<TallyReconciliation>();
        await InventorySeed.SeedAsync(pool.Services, pool.AccountId, pool.Clock);
        Assert.Equal(0, (await reconciliation.RunAsync()).Total);

        // Claims that close credentials and claims that leave uses (prepay_ids), then every way a claim settles.
        var claims = await pool.Pool.ClaimAsync(pool.AccountId, ["one", "few", "many", "lots", "granted"], CredentialDemand.TemplateMessage);
        Assert.Equal(4, claims.Count);
        await pool.Pool.SettleAsync(claims[0], ClaimOutcome.TransientFailure);
        await pool.Pool.SettleAsync(claims[1], ClaimOutcome.CredentialInvalid);
        await pool.Pool.SettleAsync(claims[2], ClaimOutcome.CredentialUsedUp);
        var grant = await pool.Pool.ClaimAsync(pool.AccountId, "granted", CredentialDemand.SubscribeGrant(await GrantTemplateAsync(pool)));
        await pool.Pool.SettleAsync(grant!, ClaimOutcome.GrantMissing);
        Assert.Equal(0, (await reconciliation.RunAsync()).Total);

        // The clock passes expiries (figures exact before the sweep), then the sweep closes them and retention deletes rows.
        pool.Clock.Advance(TimeSpan.FromDays(6));
        Assert.Equal(0, (await reconciliation.RunAsync()).Total);
        await pool.Sweep.RunAsync();
        pool.Clock.Advance(TimeSpan.FromDays(40));
        var swept = await pool.Sweep.RunAsync();
        Assert.True(swept.DeletedCredentials > 0);
        Assert.Equal(0, (await reconciliation.RunAsync()).Total);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task The_inventory_after_claims_and_the_clock_equals_a_count_of_the_rows(DatabaseProvider provider)
    {
        await using var pool = await TestPool.CreateAsync(provider);
        var now = pool.Clock.GetUtcNow();
        await pool.AddKnownUsersAsync("u0", "u1", "idle");
        for (var u = 0; u < 6; u++)
        {
            await pool.ReportAsync($"u{u}", [.. Enumerable.Range(0, u + 1).Select(i =>
                new ReportedCredential($"u{u}-{i}", i % 3 == 0 ? CredentialKind.PrepayId : CredentialKind.FormId, now.AddHours(2 + 7 * i + u)))]);
        }
        await pool.Pool.ClaimAsync(pool.AccountId, ["u0", "u1", "u2", "u3"], CredentialDemand.TemplateMessage);
        await pool.Pool.ClaimAsync(pool.AccountId, ["u0", "u3"], CredentialDemand.TemplateMessage);
        pool.Clock.Advance(TimeSpan.FromHours(9.5));

        var inventory = (await pool.Inventory.GetAsync(pool.AccountId))!;

        var clock = pool.Clock.GetUtcNow();
        var usable = (await pool.RowsAsync()).Where(c => c.Status == CredentialStatus.Available && c.ExpiresAt > clock).ToList();
        Assert.Equal(usable.GroupBy(c => c.Kind).OrderBy(g => g.Key).Select(g => new KindInventory(g.Key, g.Count(), g.Sum(c => c.UsesLeft))),
            inventory.Available);
        Assert.Equal(usable.Count(c => c.ExpiresAt <= clock.AddHours(24)), inventory.ExpiringWithin24Hours);
        Assert.Equal(usable.Count(c => c.ExpiresAt <= clock.AddHours(48)), inventory.ExpiringWithin48Hours);
        var perUser = usable.GroupBy(c => c.OpenId).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(perUser.Count, inventory.ReachableUsers);
        Assert.Equal(new[] { "u0", "u1", "idle" }.Count(u => !perUser.ContainsKey(u)), inventory.Distribution.None);
        Assert.Equal(perUser.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}:{p.Value}"),
            inventory.TopUsers.Select(u => $"{u.OpenId}:{u.Credentials}"));
        Assert.Equal(0, (await pool.Services.GetRequiredService<TallyReconciliation>().RunAsync()).Total);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Concurrent_claims_leave_the_tallies_equal_to_the_rows(DatabaseProvider provider)
    {
        await using var pool = await TestPool.CreateAsync(provider);
        var users = Enumerable.Range(0, 200).Select(u => $"user-{u}").ToArray();
        await Task.WhenAll(users.Select(u => pool.ReportFormIdsAsync(u, $"{u}-a", $"{u}-b", $"{u}-c")));

        var claimed = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => pool.Pool.ClaimAsync(pool.AccountId, users, CredentialDemand.TemplateMessage))));

        Assert.Equal(600, claimed.Sum(c => c.Count) + (await pool.RowsAsync()).Count(c => c.Status == CredentialStatus.Available));
        Assert.Equal(0, (await pool.Services.GetRequiredService<TallyReconciliation>().RunAsync()).Total);
        var inventory = (await pool.Inventory.GetAsync(pool.AccountId))!;
        Assert.Equal(600 - claimed.Sum(c => c.Count), inventory.Available.Sum(k => k.Credentials));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Reconciliation_reports_and_repairs_tallies_changed_behind_the_pools_back(DatabaseProvider provider)
    {
        await using var pool = await SeededAsync(provider, async db =>
        {
            await db.Set<CredentialTally>().Where(t => t.Kind == CredentialKind.FormId).ExecuteUpdateAsync(s => s.SetProperty(t => t.Credentials, t => t.Credentials + 3));
            await db.Set<CredentialHolder>().Where(h => h.OpenId == "lots").ExecuteDeleteAsync();
            await db.Set<HolderSpread>().Where(h => h.Held == 1).ExecuteUpdateAsync(s => s.SetProperty(h => h.Users, 40));
            await db.Set<CredentialQuarter>().ExecuteUpdateAsync(s => s.SetProperty(q => q.Received, q => q.Received * 2));
        });
        var reconciliation = pool.Services.GetRequiredService<TallyReconciliation>();

        var drift = await reconciliation.RunAsync();

        Assert.True(drift.Pool > 0 && drift.Holders == 1 && drift.Spread > 0 && drift.Days > 0, drift.ToString());
        Assert.Equal(0, (await reconciliation.RunAsync()).Total);
        InventorySeed.AssertFigures((await pool.Inventory.GetAsync(pool.AccountId))!);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Rows_that_predate_their_tallies_get_exact_figures_from_one_reconciliation_in_steps_of_a_few_users(DatabaseProvider provider)
    {
        // As after an upgrade or a restore: the rows are there, the tallies are not.
        await using var pool = await SeededAsync(provider, async db =>
        {
            await db.Set<CredentialTally>().ExecuteDeleteAsync();
            await db.Set<CredentialHolder>().ExecuteDeleteAsync();
            await db.Set<HolderSpread>().ExecuteDeleteAsync();
            await db.Set<CredentialQuarter>().ExecuteDeleteAsync();
        });
        var holders = await OpenHoldersAsync(pool);
        // Steps of two open credentials: every step boundary falls inside the seed's users.
        var reconciliation = InSteps(pool, 2);

        var drift = await reconciliation.RunAsync();

        // The holders' repair moves the spread with them, so the spread needs no repair of its own (the figures below check it).
        Assert.True(drift.Holders >= holders && drift.Pool > 0 && drift.Spread == 0 && drift.Days > 0, drift.ToString());
        Assert.Equal(0, (await reconciliation.RunAsync()).Total);
        Assert.Equal(0, (await pool.Services.GetRequiredService<TallyReconciliation>().RunAsync()).Total);
        InventorySeed.AssertFigures((await pool.Inventory.GetAsync(pool.AccountId))!);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task A_reconciliation_in_steps_finds_each_drifted_user_once_whichever_step_holds_it(DatabaseProvider provider)
    {
        // Every stored holder one credential off: each user must be found by exactly one step.
        await using var pool = await SeededAsync(provider,
            db => db.Set<CredentialHolder>().ExecuteUpdateAsync(s => s.SetProperty(h => h.Credentials, h => h.Credentials + 1)));
        var stored = await CountAsync(pool, db => db.Set<CredentialHolder>().CountAsync());
        var reconciliation = InSteps(pool, 1);

        var drift = await reconciliation.RunAsync();

        Assert.Equal(stored, drift.Holders);
        Assert.Equal(0, (await reconciliation.RunAsync()).Total);
        InventorySeed.AssertFigures((await pool.Inventory.GetAsync(pool.AccountId))!);
    }

    /// <summary>A pool with the inventory seed, then its database changed behind the pool's back.</summary>
    private static async Task<TestPool> SeededAsync(DatabaseProvider provider, Func<PushConsoleDbContext, Task> change)
    {
        var pool = await TestPool.CreateAsync(provider);
        await InventorySeed.SeedAsync(pool.Services, pool.AccountId, pool.Clock);
        await using var db = await pool.Contexts.CreateDbContextAsync();
        await change(db);
        return pool;
    }

    private static TallyReconciliation InSteps(TestPool pool, int rows) =>
        new(pool.Services.GetRequiredService<CredentialStore>(), pool.Contexts, pool.Services.GetRequiredService<ILogger<TallyReconciliation>>())
        {
            HolderStepRows = rows,
        };

    private static Task<int> OpenHoldersAsync(TestPool pool) =>
        CountAsync(pool, db => db.Credentials.Where(c => c.AccountId == pool.AccountId && c.Status == CredentialStatus.Available)
            .Select(c => c.OpenId).Distinct().CountAsync());

    private static async Task<int> CountAsync(TestPool pool, Func<PushConsoleDbContext, Task<int>> count)
    {
        await using var db = await pool.Contexts.CreateDbContextAsync();
        return await count(db);
    }

    private static async Task<int> GrantTemplateAsync(TestPool pool)
    {
        await using var db = await pool.Contexts.CreateDbContextAsync();
        return await db.Credentials.Where(c => c.TemplateId != null).Select(c => c.TemplateId!.Value).FirstAsync();
    }
}
