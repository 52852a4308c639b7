using System.Collections.Concurrent;
using PushConsole.Credentials;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.Cluster;

/// <summary>The credential pool claimed from two nodes (two service containers, their own connection pools) on one PostgreSQL or SQL Server database.</summary>
public class ClusterCredentialTests
{
    [Theory]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task Two_nodes_with_sixteen_concurrent_claimers_each_never_use_a_credential_beyond_its_uses(DatabaseProvider provider)
    {
        await using var first = await TestPool.CreateAsync(provider);
        var collection = new ServiceCollection();
        collection.AddLogging();
        collection.AddSingleton<TimeProvider>(first.Clock);
        collection.AddPushConsoleDatabase(first.Database);
        collection.AddCredentialPool(new ConfigurationBuilder().Build(), first.Database);
        await using var secondNode = collection.BuildServiceProvider();
        CredentialPool[] pools = [first.Pool, secondNode.GetRequiredService<CredentialPool>()];

        var users = Enumerable.Range(0, 30).Select(i => $"user-{i:D2}").ToArray();
        foreach (var user in users)
        {
            // Per user: 8 formIds (1 use) and 2 prepay_ids (3 uses): 14 uses.
            var items = Enumerable.Range(0, 8).Select(i => new ReportedCredential($"{user}-form-{i}"))
                .Concat(Enumerable.Range(0, 2).Select(i => new ReportedCredential($"{user}-prepay-{i}", CredentialKind.PrepayId)))
                .ToArray();
            Assert.Equal(10, (await first.ReportAsync(user, items)).Accepted);
        }

        var handedOut = new ConcurrentBag<(int Node, CredentialClaim Claim)>();
        var start = new TaskCompletionSource();
        var claimers = Enumerable.Range(0, 32).Select(worker => Task.Run(async () =>
        {
            await start.Task;
            var node = worker % 2;
            var pool = pools[node];
            var random = new Random(worker);
            var misses = 0;
            while (misses < 3)
            {
                IReadOnlyList<CredentialClaim> got = worker % 4 < 2
                    ? await pool.ClaimAsync(first.AccountId, users.OrderBy(_ => random.Next()).Take(7), CredentialDemand.TemplateMessage)
                    : (await pool.ClaimAsync(first.AccountId, users[random.Next(users.Length)], CredentialDemand.TemplateMessage)) is { } one ? [one] : [];
                foreach (var claim in got)
                {
                    handedOut.Add((node, claim));
                }
                misses = got.Count == 0 ? misses + 1 : 0;
            }
        })).ToArray();
        start.SetResult();
        await Task.WhenAll(claimers);
        while ((await pools[1].ClaimAsync(first.AccountId, users, CredentialDemand.TemplateMessage)) is { Count: > 0 } rest)
        {
            foreach (var claim in rest)
            {
                handedOut.Add((1, claim));
            }
        }

        var perCredential = handedOut.GroupBy(c => c.Claim.Value!).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(perCredential, p => Assert.True(p.Value <= (p.Key.Contains("prepay") ? 3 : 1), $"{p.Key} was handed out {p.Value} times"));
        Assert.Equal(users.Length * 14, handedOut.Count);
        Assert.All(new[] { 0, 1 }, node => Assert.Contains(handedOut, c => c.Node == node));
        Assert.All(await first.RowsAsync(), r => Assert.Equal((CredentialStatus.Used, 0), (r.Status, r.UsesLeft)));
    }
}
