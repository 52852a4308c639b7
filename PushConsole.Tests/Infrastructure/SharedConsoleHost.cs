using PushConsole.Persistence;

namespace PushConsole.Tests.Infrastructure;

/// <summary>
/// One console (default settings, SQLite) shared by the tests of a class that each work in a part of it of their own
/// (a fresh mini program account, a request refused before it stores anything): the suite then starts one host per
/// class instead of one per test, which on two cores is most of the time such tests take. Its clock is never
/// advanced: a test that moves time, or needs other settings, starts a console of its own.
/// </summary>
public sealed class SharedConsoleHost : IAsyncLifetime
{
    public ManualTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);
    public ConsoleHost Host { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite, testServices: s => s.AddSingleton<TimeProvider>(Clock));

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
