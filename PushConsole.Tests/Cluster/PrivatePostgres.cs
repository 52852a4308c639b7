using System.Diagnostics;
using Npgsql;
using PushConsole.Persistence;
using PushConsole.Tests.Channels;

namespace PushConsole.Tests.Cluster;

/// <summary>
/// A PostgreSQL server of one test's own (initdb in a temporary directory, a free loopback port), so the test can
/// restart it without disturbing the server the rest of the suite shares.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private readonly string bin;
    private readonly string directory;
    private readonly int port;

    private PrivatePostgres(string bin, string directory, int port)
    {
        this.bin = bin;
        this.directory = directory;
        this.port = port;
    }

    public string AdminConnectionString => $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=50";

    public static async Task<PrivatePostgres> StartAsync()
    {
        var bin = Environment.GetEnvironmentVariable("PUSHCONSOLE_PG_BIN") is { Length: > 0 } given ? given
            : Directory.GetDirectories("/usr/lib/postgresql").OrderBy(d => Version.TryParse(Path.GetFileName(d), out var v) ? v : new Version(0, 0))
                .Select(d => Path.Combine(d, "bin")).LastOrDefault(d => File.Exists(Path.Combine(d, "initdb")))
              ?? throw new InvalidOperationException("PostgreSQL's binaries are not installed (test.sh installs them).");
        var directory = Directory.CreateTempSubdirectory("pushconsole-private-pg-").FullName;
        var server = new PrivatePostgres(bin, directory, ConsoleProcess.FreePort());
        if (Environment.UserName == "root")
        {
            await RunAsync("chown", ["postgres", directory]);
        }
        await server.AsPostgresAsync($"{bin}/initdb -D {directory}/data -U postgres -A trust -E UTF8 >{directory}/initdb.log 2>&1");
        await server.AsPostgresAsync(server.PgCtl("start"));
        return server;
    }

    public async Task<DatabaseOptions> NewDatabaseAsync()
    {
        var name = $"pct_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new DatabaseOptions
        {
            Provider = DatabaseProvider.Postgres,
            ConnectionString = new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString,
        };
    }

    /// <summary>Stops the server (fast: open connections are cut) and starts it again.</summary>
    public Task RestartAsync() => AsPostgresAsync($"{bin}/pg_ctl -D {directory}/data -m fast -w stop >/dev/null && " + PgCtl("start"));

    private string PgCtl(string verb) =>
        $"{bin}/pg_ctl -D {directory}/data -l {directory}/server.log -w -o \"-c listen_addresses=127.0.0.1 -p {port} -k {directory} -c max_connections=200 -c fsync=off\" {verb} >/dev/null";

    private Task AsPostgresAsync(string command) => Environment.UserName == "root"
        ? RunAsync("su", ["postgres", "-s", "/bin/sh", "-c", command])
        : RunAsync("sh", ["-c", command]);

    private static async Task RunAsync(string file, string[] arguments)
    {
        var info = new ProcessStartInfo(file, arguments) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await error}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            await AsPostgresAsync($"{bin}/pg_ctl -D {directory}/data -m immediate stop >/dev/null 2>&1");
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Left in /tmp.
        }
    }
}
