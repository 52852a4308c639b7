using System.Collections.Concurrent;
using PushConsole.Credentials;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.Credentials;

public class CredentialPoolTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task A_claim_takes_the_users_earliest_expiring_formId_first(DatabaseProvider provider)
    {
        await using var pool = await TestPool.CreateAsync(provider);
        var now = pool.Clock.GetUtcNow();
        await pool.ReportAsync("user-a",
            new ReportedCredential("late", ClientExpiry: now.AddDays(5)),
            new ReportedCredential("early", ClientExpiry: now.AddDays(1)),
            new ReportedCredential("middle", ClientExpiry: now.AddDays(3)));
        await pool.ReportFormIdsAsync("user-b", "someone-elses");

        var order = new List<string?>();
        while (await pool.Pool.ClaimAsync(pool.AccountId, "user-a", CredentialDemand.TemplateMessage) is { } claim)
        {
            Assert.Equal("user-a", claim.OpenId);
            order.Add(claim.Value);
        }

        Assert.Equal(["early", "middle", "late"], order);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task A_prepay_id_is_handed_out_three_times_and_then_is_used(DatabaseProvider provider)
    {
        await using var pool = await TestPool.CreateAsync(provider);
        await pool.ReportAsync("payer", new ReportedCredential("prepay-1", CredentialKind.PrepayId));

        var claims = new List<CredentialClaim>();
        while (await pool.Pool.ClaimAsync(pool.AccountId, "payer", CredentialDemand.TemplateMessage) is { } claim)
        {
            claims.Add(claim);
        }

        Assert.Equal([2, 1, 0], claims.Select(c => c.UsesLeft));
        Assert.All(claims, c => Assert.Equal("prepay-1", c.Value));
        var row = Assert.Single(await pool.RowsAsync());
        Assert.Equal(CredentialStatus.Used, row.Status);
        Assert.Equal(pool.Clock.GetUtcNow(), row.ClosedAt);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task Sixteen_concurrent_claimers_never_get_a_credential_more_often_than_its_uses(DatabaseProvider provider)
    {
        await using var pool = await TestPool.CreateAsync(provider);
        var users = Enumerable.Range(0, 20).Select(i => $"user-{i:D2}").ToArray();
        foreach (var user in users)
        {
            // Per user: 8 formIds and 2 prepay_ids (3 uses each), 14 uses in all.
            var items = Enumerable.Range(0, 8).Select(i => new ReportedCredential($"{user}-form-{i}"))
                .Concat(Enumerable.Range(0, 2).Select(i => new ReportedCredential($"{user}-prepay-{i}", CredentialKind.PrepayId)))
                .ToArray();
            Assert.Equal(10, (await pool.ReportAsync(user, items)).Accepted);
        }
        var expectedUses = users.Length * 14;

        var handedOut = new ConcurrentBag<CredentialClaim>();
        var start = new TaskCompletionSource();
        var claimers = Enumerable.Range(0, 16).Select(worker => Task.Run(async () =>
        {
            await start.Task;
            var random = new Random(worker);
            var misses = 0;
            // Alternate single and batch claims over random users until several rounds find nothing left.
            while (misses < 3)
            {
                IReadOnlyList<CredentialClaim> got = worker % 2 == 0
                    ? await pool.Pool.ClaimAsync(pool.AccountId, users.OrderBy(_ => random.Next()).Take(7), CredentialDemand.TemplateMessage)
                    : (await pool.Pool.ClaimAsync(pool.AccountId, users[random.Next(users.Length)], CredentialDemand.TemplateMessage)) is { } one ? [one] : [];
                foreach (var claim in got)
                {
                    handedOut.Add(claim);
                }
                misses = got.Count == 0 ? misses + 1 : 0;
            }
        })).ToArray();
        start.SetResult();
        await Task.WhenAll(claimers);
        // Whatever the claimers missed while rows were locked by others is still there: drain it.
        while ((await pool.Pool.ClaimAsync(pool.AccountId, users, CredentialDemand.TemplateMessage)) is { Count: > 0 } rest)
        {
            foreach (var claim in rest)
            {
                handedOut.Add(claim);
            }
        }

        var perCredential = handedOut.GroupBy(c => c.Value!).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(perCredential, p => Assert.True(p.Value <= (p.Key.Contains("prepay") ? 3 : 1), $"{p.Key} was handed out {p.Value} times"));
        Assert.Equal(expectedUses, handedOut.Count);
        Assert.All(handedOut, c => Assert.StartsWith(c.OpenId + "-", c.Value));
        Assert.All(await pool.RowsAsync(), r => Assert.Equal((CredentialStatus.Used, 0), (r.Status, r.UsesLeft)));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task A_batch_claim_gives_each_user_at_most_one_credential(DatabaseProvider provider)
    {
        await using var pool = await TestPool.CreateAsync(provider);
        await pool.ReportFormIdsAsync("rich", "r1", "r2", "r3");
        await pool.ReportFormIdsAsync("single", "s1");

        var claims = await pool.Pool.ClaimAsync(pool.AccountId, ["rich", "single", "nobody", "rich"], CredentialDemand.TemplateMessage);

        Assert.Equal(["rich", "single"], claims.Select(c => c.OpenId).Order());
        var second = await pool.Pool.ClaimAsync(pool.AccountId, ["rich", "single"], CredentialDemand.TemplateMessage);
        Assert.Equal(["rich"], second.Select(c => c.OpenId));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task A_subscribe_claim_takes_only_grants_of_that_template_and_a_formId_claim_never_takes_a_grant(DatabaseProvider provider)
    {
        await using var pool = await TestPool.CreateAsync(provider);
        var shipped = await TestAccounts.CreateSubscribeTemplateAsync(pool.Contexts, pool.AccountId, "TPL_SHIPPED");
        var refund = await TestAccounts.CreateSubscribeTemplateAsync(pool.Contexts, pool.AccountId, "TPL_REFUND");
        await pool.Pool.AddGrantsAsync(pool.AccountId, "subscriber", [shipped.Id, shipped.Id]);

        Assert.Null(await pool.Pool.ClaimAsync(pool.AccountId, "subscriber", CredentialDemand.SubscribeGrant(refund.Id)));
        Assert.Null(await pool.Pool.ClaimAsync(pool.AccountId, "subscriber", CredentialDemand.TemplateMessage));
        var first = await pool.Pool.ClaimAsync(pool.AccountId, "subscriber", CredentialDemand.SubscribeGrant(shipped.Id));
        var second = await pool.Pool.ClaimAsync(pool.AccountId, "subscriber", CredentialDemand.SubscribeGrant(shipped.Id));
        var third = await pool.Pool.ClaimAsync(pool.AccountId, "subscriber", CredentialDemand.SubscribeGrant(shipped.Id));

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Null(third);
        Assert.Equal((CredentialKind.SubscribeGrant, (int?)shipped.Id, (string?)null), (first.Kind, first.TemplateId, first.Value));
        Assert.NotEqual(first.CredentialId, second.CredentialId);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task A_transient_send_failure_gives_the_use_back(DatabaseProvider provider)
    {
        await using var pool = await TestPool.CreateAsync(provider);
        await pool.ReportFormIdsAsync("user", "only-one");
        var claim = await pool.Pool.ClaimAsync(pool.AccountId, "user", CredentialDemand.TemplateMessage);
        Assert.Null(await pool.Pool.ClaimAsync(pool.AccountId, "user", CredentialDemand.TemplateMessage));

        var retry = await pool.Pool.SettleAsync(claim!, ClaimOutcome.TransientFailure);

        Assert.False(retry);
        var again = await pool.Pool.ClaimAsync(pool.AccountId, "user", CredentialDemand.TemplateMessage);
        Assert.Equal(claim!.CredentialId, again?.CredentialId);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task Releasing_twice_never_gives_a_credential_more_uses_than_it_came_with(DatabaseProvider provider)
    {
        await using var pool = await TestPool.CreateAsync(provider);
        await pool.ReportAsync("payer", new ReportedCredential("prepay", CredentialKind.PrepayId));
        var claim = await pool.Pool.ClaimAsync(pool.AccountId, "payer", CredentialDemand.TemplateMessage);

        Assert.True(await pool.Pool.ReleaseAsync(claim!.CredentialId));
        Assert.False(await pool.Pool.ReleaseAsync(claim.CredentialId));

        Assert.Equal(3, Assert.Single(await pool.RowsAsync()).UsesLeft);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task An_invalid_formId_answer_drops_it_and_the_next_claim_takes_the_users_next_one(DatabaseProvider provider)
    {
        await using var pool = await TestPool.CreateAsync(provider);
        var now = pool.Clock.GetUtcNow();
        await pool.ReportAsync("user",
            new ReportedCredential("prepay-soon", CredentialKind.PrepayId, now.AddDays(1)),
            new ReportedCredential("form-later", ClientExpiry: now.AddDays(2)));
        var claim = await pool.Pool.ClaimAsync(pool.AccountId, "user", CredentialDemand.TemplateMessage);
        Assert.Equal("prepay-soon", claim!.Value);

        var retry = await pool.Pool.SettleAsync(claim, ClaimOutcome.CredentialInvalid);
        var next = await pool.Pool.ClaimAsync(pool.AccountId, "user", CredentialDemand.TemplateMessage);

        Assert.True(retry);
        Assert.Equal("form-later", next?.Value);
        var dropped = (await pool.RowsAsync()).Single(r => r.Value == "prepay-soon");
        Assert.Equal((CredentialStatus.Invalid, 0), (dropped.Status, dropped.UsesLeft));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task A_used_up_answer_closes_a_prepay_id_that_still_had_uses(DatabaseProvider provider)
    {
        await using var pool = await TestPool.CreateAsync(provider);
        await pool.ReportAsync("payer", new ReportedCredential("prepay", CredentialKind.PrepayId));
        var claim = await pool.Pool.ClaimAsync(pool.AccountId, "payer", CredentialDemand.TemplateMessage);

        Assert.True(await pool.Pool.SettleAsync(claim!, ClaimOutcome.CredentialUsedUp));

        Assert.Null(await pool.Pool.ClaimAsync(pool.AccountId, "payer", CredentialDemand.TemplateMessage));
        var row = Assert.Single(await pool.RowsAsync());
        Assert.Equal((CredentialStatus.Used, 0), (row.Status, row.UsesLeft));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task A_missing_grant_answer_drops_all_the_users_grants_of_that_template_only(DatabaseProvider provider)
    {
        await using var pool = await TestPool.CreateAsync(provider);
        var shipped = await TestAccounts.CreateSubscribeTemplateAsync(pool.Contexts, pool.AccountId, "TPL_SHIPPED");
        var refund = await TestAccounts.CreateSubscribeTemplateAsync(pool.Contexts, pool.AccountId, "TPL_REFUND");
        await pool.Pool.AddGrantsAsync(pool.AccountId, "subscriber", [shipped.Id, shipped.Id, shipped.Id, refund.Id]);
        var claim = await pool.Pool.ClaimAsync(pool.AccountId, "subscriber", CredentialDemand.SubscribeGrant(shipped.Id));

        Assert.False(await pool.Pool.SettleAsync(claim!, ClaimOutcome.GrantMissing));

        Assert.Null(await pool.Pool.ClaimAsync(pool.AccountId, "subscriber", CredentialDemand.SubscribeGrant(shipped.Id)));
        Assert.NotNull(await pool.Pool.ClaimAsync(pool.AccountId, "subscriber", CredentialDemand.SubscribeGrant(refund.Id)));
        Assert.Equal(2, (await pool.RowsAsync()).Count(r => r.Status == CredentialStatus.Invalid));
    }
}
