using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using PushConsole.Credentials;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.Credentials;

/// <summary>
/// Claims pick from the pool table (AvailableCredentials) and take a use from the record without changing an indexed
/// column; a credential without uses leaves the pool. These check that the pool table and the records never disagree.
/// </summary>
public class AvailablePoolTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task A_claimed_credential_is_never_claimed_again_under_16_concurrent_claimers(DatabaseProvider provider)
    {
        await using var pool = await TestPool.CreateAsync(provider);
        var users = Enumerable.Range(0, 40).Select(i => $"user-{i:D2}").ToArray();
        foreach (var user in users)
        {
            Assert.Equal(6, (await pool.ReportAsync(user, [.. Enumerable.Range(0, 6).Select(i => new ReportedCredential($"{user}-{i}"))])).Accepted);
        }

        var handedOut = new ConcurrentBag<CredentialClaim>();
        var start = new TaskCompletionSource();
        var claimers = Enumerable.Range(0, 16).Select(worker => Task.Run(async () =>
        {
            await start.Task;
            var random = new Random(worker);
            for (var misses = 0; misses < 3;)
            {
                var got = await pool.Pool.ClaimAsync(pool.AccountId, users.OrderBy(_ => random.Next()).Take(10), CredentialDemand.TemplateMessage);
                foreach (var claim in got)
                {
                    handedOut.Add(claim);
                }
                misses = got.Count == 0 ? misses + 1 : 0;
            }
        })).ToArray();
        start.SetResult();
        await Task.WhenAll(claimers);
        while (await pool.Pool.ClaimAsync(pool.AccountId, users, CredentialDemand.TemplateMessage) is { Count: > 0 } rest)
        {
            foreach (var claim in rest)
            {
                handedOut.Add(claim);
            }
        }

        Assert.Equal(users.Length * 6, handedOut.Count);
        Assert.Equal(handedOut.Count, handedOut.Select(c => c.CredentialId).Distinct().Count());
        var (inPool, usable) = await pool.PoolAndUsableAsync();
        Assert.Empty(inPool);
        Assert.Empty(usable);
        Assert.All(await pool.RowsAsync(), r => Assert.Equal(CredentialStatus.Used, r.Status));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Claims_still_take_the_earliest_expiring_credential_first_also_after_a_use_is_given_back(DatabaseProvider provider)
    {
        await using var pool = await TestPool.CreateAsync(provider);
        var now = pool.Clock.GetUtcNow();
        await pool.ReportAsync("user",
            new ReportedCredential("day-5", ClientExpiry: now.AddDays(5)),
            new ReportedCredential("pay-day-2", CredentialKind.PrepayId, now.AddDays(2)),
            new ReportedCredential("day-1", ClientExpiry: now.AddDays(1)),
            new ReportedCredential("day-3", ClientExpiry: now.AddDays(3)));

        var first = await pool.Pool.ClaimAsync(pool.AccountId, "user", CredentialDemand.TemplateMessage);
        Assert.Equal("day-1", first!.Value);
        // The send failed: the use comes back, and the credential is first in line again.
        await pool.Pool.SettleAsync(first, ClaimOutcome.TransientFailure);
        var order = new List<string?>();
        while (await pool.Pool.ClaimAsync(pool.AccountId, "user", CredentialDemand.TemplateMessage) is { } claim)
        {
            order.Add(claim.Value);
            var (inPool, usable) = await pool.PoolAndUsableAsync();
            Assert.Equal(usable, inPool);
        }

        Assert.Equal(["day-1", "pay-day-2", "pay-day-2", "pay-day-2", "day-3", "day-5"], order);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task The_sweep_removes_expired_credentials_from_the_pool_and_the_tallies_agree_with_a_recount(DatabaseProvider provider)
    {
        await using var pool = await TestPool.CreateAsync(provider);
        var now = pool.Clock.GetUtcNow();
        var template = await TestAccounts.CreateSubscribeTemplateAsync(pool.Contexts, pool.AccountId, "TPL_SWEEP", "Sweep notice");
        for (var u = 0; u < 5; u++)
        {
            await pool.ReportAsync($"u{u}", [.. Enumerable.Range(0, 4).Select(i =>
                new ReportedCredential($"u{u}-{i}", i == 3 ? CredentialKind.PrepayId : CredentialKind.FormId, now.AddHours(10 + 30 * i)))]);
        }
        await pool.Pool.AddGrantsAsync(pool.AccountId, "u0", [template.Id]);
        await pool.Pool.ClaimAsync(pool.AccountId, ["u0", "u1", "u2"], CredentialDemand.TemplateMessage);

        // Past the first two expiries of every user: u0-u2 lose one (their first was claimed), u3 and u4 two.
        pool.Clock.Advance(TimeSpan.FromHours(45));
        var result = await pool.Sweep.RunAsync();

        Assert.Equal(3 + 2 * 2, result.Expired);
        var (inPool, usable) = await pool.PoolAndUsableAsync();
        Assert.Equal(usable, inPool);
        await using (var db = await pool.Contexts.CreateDbContextAsync())
        {
            Assert.False(await db.AvailableCredentials.AnyAsync(a => a.ExpiresAt <= pool.Clock.GetUtcNow()));
            // The grant has no expiry and stays.
            Assert.True(await db.AvailableCredentials.AnyAsync(a => a.TemplateId == template.Id));
        }
        Assert.Equal(0, (await pool.Services.GetRequiredService<TallyReconciliation>().RunAsync()).Total);
        Assert.Equal(5 * 2 + 1, inPool.Count);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task No_index_of_the_credential_record_names_a_column_a_claim_changes(DatabaseProvider provider)
    {
        await using var pool = await TestPool.CreateAsync(provider);
        await using var db = await pool.Contexts.CreateDbContextAsync();
        // Each index's whole definition (its keys and any filter), as the database itself reports it.
        var sql = provider == DatabaseProvider.Postgres
            ? """SELECT indexdef AS "Value" FROM pg_indexes WHERE tablename = 'Credentials'"""
            : """SELECT sql AS "Value" FROM sqlite_master WHERE type = 'index' AND tbl_name = 'Credentials' AND sql IS NOT NULL""";
        var definitions = await db.Database.SqlQueryRaw<string>(sql).ToListAsync();

        Assert.Contains(definitions, d => d.Contains("UX_Credentials_Account_Value", StringComparison.Ordinal));
        foreach (var column in (string[])["\"Status\"", "\"UsesLeft\"", "\"ClosedAt\""])
        {
            Assert.DoesNotContain(definitions, d => d.Contains(column, StringComparison.Ordinal));
        }
    }
}
