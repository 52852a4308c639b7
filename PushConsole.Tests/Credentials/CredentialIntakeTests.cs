using PushConsole.Credentials;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.Credentials;

public class CredentialIntakeTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task Concurrent_reports_are_each_answered_after_their_rows_are_stored(DatabaseProvider provider)
    {
        await using var pool = await TestPool.CreateAsync(provider);

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            pool.ReportFormIdsAsync($"user-{i % 17}", Enumerable.Range(0, 10).Select(j => $"id-{i}-{j}").ToArray())));

        Assert.All(results, r => Assert.Equal((10, 0), (r.Accepted, r.Duplicates)));
        var rows = await pool.RowsAsync();
        Assert.Equal(2000, rows.Count);
        Assert.Equal(2000, rows.Select(r => r.Value).Distinct().Count());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task The_same_id_reported_by_many_users_at_once_is_stored_once(DatabaseProvider provider)
    {
        await using var pool = await TestPool.CreateAsync(provider);

        var results = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => pool.ReportFormIdsAsync($"user-{i}", "contested", $"own-{i}")));

        Assert.Equal(1, results.Count(r => r.Accepted == 2));
        Assert.Equal(23, results.Count(r => r is { Accepted: 1, Duplicates: 1 }));
        Assert.Single(await pool.RowsAsync(), r => r.Value == "contested");
    }

    [Fact]
    public async Task An_id_twice_in_one_report_is_stored_once_and_counted_as_a_duplicate()
    {
        await using var pool = await TestPool.CreateAsync(DatabaseProvider.Sqlite);

        var result = await pool.ReportFormIdsAsync("user", "twice", "twice", "once");

        Assert.Equal((2, 1), (result.Accepted, result.Duplicates));
        Assert.Equal(2, (await pool.RowsAsync()).Count);
    }

    [Fact]
    public async Task The_same_value_may_exist_once_in_each_app()
    {
        await using var pool = await TestPool.CreateAsync(DatabaseProvider.Sqlite);
        var other = await TestAccounts.CreateMiniProgramAsync(pool.Contexts, "wxotherapp0000001");

        var mine = await pool.ReportFormIdsAsync("user", "shared-value");
        var theirs = await pool.Intake.ReportAsync(other.Id, "user", [new ReportedCredential("shared-value")]);

        Assert.Equal(1, mine.Accepted);
        Assert.Equal(1, theirs.Accepted);
    }
}
