using Microsoft.EntityFrameworkCore;
using PushConsole.Accounts;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;
using PushConsole.WeChat;

namespace PushConsole.Tests.WeChat;

/// <summary>Several console nodes (separate service providers) on one database share one token per app.</summary>
public class WeChatClusterTokenTests : IAsyncLifetime
{
    private SimulatorServer server = null!;

    public async Task InitializeAsync() => server = await SimulatorServer.StartAsync();

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Theory]
    [InlineData(DatabaseProvider.Sqlite, TokenMode.Stable)]
    [InlineData(DatabaseProvider.Sqlite, TokenMode.Classic)]
    [InlineData(DatabaseProvider.Postgres, TokenMode.Stable)]
    [ProviderData(DatabaseProvider.SqlServer, TokenMode.Stable)]
    [InlineData(DatabaseProvider.Postgres, TokenMode.Classic)]
    [ProviderData(DatabaseProvider.SqlServer, TokenMode.Classic)]
    public async Task Two_nodes_on_one_database_sending_at_once_make_one_token_request(DatabaseProvider provider, TokenMode mode)
    {
        var (app, template) = MiniProgram(grantsPerUser: 1, users: 100);
        var database = await TestDatabases.NewMigratedAsync(provider);
        await using var first = await ConsoleNode.StartAsync(database);
        var firstClient = first.ClientFor(first.Account(server, app, mode));
        await using var second = await ConsoleNode.StartAsync(database);
        var secondClient = second.ClientFor(second.Account(server, app, mode));

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => Task.Run(() =>
            (i % 2 == 0 ? firstClient : secondClient).SendSubscribeAsync(Message(i, template)))));

        Assert.All(outcomes, o => Assert.True(o.Succeeded, o.ToString()));
        Assert.Equal(1, server.TokenFetches(app.AppId));
        Assert.Equal(0, server.Errors(app.AppId, "subscribe_send", 40001));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task A_token_refused_on_every_node_is_replaced_once_for_the_cluster(DatabaseProvider provider)
    {
        var (app, template) = MiniProgram(grantsPerUser: 2, users: 2);
        var database = await TestDatabases.NewMigratedAsync(provider);
        await using var first = await ConsoleNode.StartAsync(database);
        var firstClient = first.ClientFor(first.Account(server, app));
        await using var second = await ConsoleNode.StartAsync(database);
        var secondClient = second.ClientFor(second.Account(server, app));
        Assert.True((await firstClient.SendSubscribeAsync(Message(0, template))).Succeeded);
        Assert.True((await secondClient.SendSubscribeAsync(Message(1, template))).Succeeded);

        server.Simulator.AdvanceClock(TimeSpan.FromSeconds(7201));
        var onFirst = await firstClient.SendSubscribeAsync(Message(0, template));
        // The second node's token fails too; clearing it must not clear the first node's replacement.
        var onSecond = await secondClient.SendSubscribeAsync(Message(1, template));

        Assert.True(onFirst.Succeeded, onFirst.ToString());
        Assert.True(onSecond.Succeeded, onSecond.ToString());
        Assert.Equal(2, server.Errors(app.AppId, "subscribe_send", 42001));
        Assert.Equal(2, server.TokenFetches(app.AppId));
        await using var db = TestDbContextFactory.For(database).CreateDbContext();
        var row = await db.AccessTokens.SingleAsync(t => t.AppId == app.AppId);
        Assert.Equal(2, row.Version);
        Assert.NotNull(row.TokenCipher);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task A_node_waits_while_another_holds_the_lease_and_takes_over_when_the_lease_expires(DatabaseProvider provider)
    {
        var (app, template) = MiniProgram(grantsPerUser: 1, users: 1);
        var database = await TestDatabases.NewMigratedAsync(provider);
        await using var node = await ConsoleNode.StartAsync(database);
        var client = node.ClientFor(node.Account(server, app));
        await using (var db = TestDbContextFactory.For(database).CreateDbContext())
        {
            // A node that took the lease and died before storing a token.
            db.AccessTokens.Add(new StoredAccessToken { AppId = app.AppId, LeaseHolder = "crashed-node/1", LeaseUntil = DateTimeOffset.UtcNow.AddSeconds(1) });
            await db.SaveChangesAsync();
        }

        var outcome = await client.SendSubscribeAsync(Message(0, template));

        Assert.True(outcome.Succeeded, outcome.ToString());
        Assert.Equal(1, server.TokenFetches(app.AppId));
        await using var check = TestDbContextFactory.For(database).CreateDbContext();
        var row = await check.AccessTokens.SingleAsync(t => t.AppId == app.AppId);
        Assert.Null(row.LeaseHolder);
        Assert.Equal(1, row.Version);
    }

    private (SimulatedApp App, string Template) MiniProgram(int grantsPerUser, int users)
    {
        var app = server.NewApp();
        var template = server.Simulator.DefineTemplate(app.AppId, new global::PushConsole.Simulator.TemplateSpec
        {
            Title = "预约提醒", Content = "服务:{{thing1.DATA}}\n", Kind = "subscribe",
        }).TemplateId;
        for (var i = 0; i < users; i++)
        {
            server.Simulator.Grant(app.AppId, $"o-user-{i}", template, grantsPerUser);
        }
        return (app, template);
    }

    private static SubscribeMessage Message(int user, string template) =>
        new($"o-user-{user}", template, new Dictionary<string, TemplateValue> { ["thing1"] = new("体检预约") });
}
