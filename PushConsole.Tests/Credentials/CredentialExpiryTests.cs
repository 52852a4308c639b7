using PushConsole.Credentials;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.Credentials;

public class CredentialExpiryTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task A_formId_is_claimable_until_just_before_receipt_plus_7_days_and_not_at_that_instant(DatabaseProvider provider)
    {
        await using var pool = await TestPool.CreateAsync(provider);
        var received = pool.Clock.GetUtcNow();
        await pool.ReportFormIdsAsync("user", "seven-days");
        var row = Assert.Single(await pool.RowsAsync());
        Assert.Equal(received + TimeSpan.FromDays(7), row.ExpiresAt);

        // Ticks are the storage unit on SQLite; PostgreSQL keeps microseconds, so step by one microsecond.
        pool.Clock.AdjustTime(row.ExpiresAt!.Value - TimeSpan.FromMicroseconds(1));
        var before = await pool.Pool.ClaimAsync(pool.AccountId, "user", CredentialDemand.TemplateMessage);
        Assert.NotNull(before);
        await pool.Pool.ReleaseAsync(before.CredentialId);
        pool.Clock.AdjustTime(row.ExpiresAt.Value);
        var at = await pool.Pool.ClaimAsync(pool.AccountId, "user", CredentialDemand.TemplateMessage);

        Assert.Null(at);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task Expiry_is_the_earlier_of_the_clients_expire_and_receipt_plus_7_days(DatabaseProvider provider)
    {
        await using var pool = await TestPool.CreateAsync(provider);
        var now = pool.Clock.GetUtcNow();

        await pool.ReportAsync("user",
            new ReportedCredential("client-sooner", ClientExpiry: now.AddDays(2)),
            new ReportedCredential("client-later", ClientExpiry: now.AddDays(30)),
            new ReportedCredential("no-client-expire"));

        var rows = (await pool.RowsAsync()).ToDictionary(r => r.Value!, r => r.ExpiresAt);
        Assert.Equal(now.AddDays(2), rows["client-sooner"]);
        Assert.Equal(now.AddDays(7), rows["client-later"]);
        Assert.Equal(now.AddDays(7), rows["no-client-expire"]);
    }

    [Fact]
    public async Task An_expire_at_or_before_receipt_is_rejected_as_expired_and_not_stored()
    {
        await using var pool = await TestPool.CreateAsync(DatabaseProvider.Sqlite);
        var now = pool.Clock.GetUtcNow();

        var result = await pool.ReportAsync("user",
            new ReportedCredential("past", ClientExpiry: now.AddMilliseconds(-1)),
            new ReportedCredential("exactly-now", ClientExpiry: now),
            new ReportedCredential("just-after", ClientExpiry: now.AddMilliseconds(1)));

        Assert.Equal(1, result.Accepted);
        Assert.Equal([("past", "expired"), ("exactly-now", "expired")], result.Rejected.Select(r => (r.FormId, r.Reason)));
        Assert.Equal(["just-after"], (await pool.RowsAsync()).Select(r => r.Value));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task A_grant_never_expires(DatabaseProvider provider)
    {
        await using var pool = await TestPool.CreateAsync(provider);
        var template = await TestAccounts.CreateSubscribeTemplateAsync(pool.Contexts, pool.AccountId, "TPL");
        await pool.Pool.AddGrantsAsync(pool.AccountId, "user", [template.Id]);

        pool.Clock.Advance(TimeSpan.FromDays(400));
        await pool.Sweep.RunAsync();

        Assert.NotNull(await pool.Pool.ClaimAsync(pool.AccountId, "user", CredentialDemand.SubscribeGrant(template.Id)));
    }
}
