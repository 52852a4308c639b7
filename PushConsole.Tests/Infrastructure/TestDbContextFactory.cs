using Microsoft.EntityFrameworkCore;
using PushConsole.Persistence;

namespace PushConsole.Tests.Infrastructure;

/// <summary>A context factory for tests that exercise Core services without hosting the console.</summary>
public sealed class TestDbContextFactory(DbContextOptions<PushConsoleDbContext> options) : IDbContextFactory<PushConsoleDbContext>
{
    public static IDbContextFactory<PushConsoleDbContext> For(DatabaseOptions database)
    {
        var builder = new DbContextOptionsBuilder<PushConsoleDbContext>();
        DatabaseServiceCollectionExtensions.Configure(builder, database);
        return new TestDbContextFactory(builder.Options);
    }

    public PushConsoleDbContext CreateDbContext() => new(options);
}
