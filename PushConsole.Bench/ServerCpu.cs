using System.Globalization;
using Npgsql;

namespace PushConsole.Bench;

/// <summary>
/// CPU time from /proc, so a figure can be given as CPU per operation: unlike operations per second, it does not
/// depend on what else the shared machine runs.
/// </summary>
public static class ServerCpu
{
    /// <summary>User + system CPU time a process has used (from /proc/PID/stat, in clock ticks of 10 ms); zero once it has ended.</summary>
    public static TimeSpan OfProcess(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromMilliseconds(ticks * 10);
        }
        catch (IOException)
        {
            return TimeSpan.Zero;
        }
        catch (UnauthorizedAccessException)
        {
            return TimeSpan.Zero;
        }
    }

    /// <summary>
    /// The CPU each process of one PostgreSQL server has used so far (its backends and background workers, as
    /// pg_stat_activity lists them), keyed by pid. Only the bench's server is counted, not other servers on the machine.
    /// </summary>
    public static async Task<Dictionary<int, TimeSpan>> PostgresAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pid FROM pg_stat_activity", connection);
        var cpu = new Dictionary<int, TimeSpan>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var pid = reader.GetInt32(0);
            cpu[pid] = OfProcess(pid);
        }
        return cpu;
    }

    /// <summary>The server's CPU between two readings of <see cref="PostgresAsync"/> (a process started in between counts from zero).</summary>
    public static TimeSpan Between(Dictionary<int, TimeSpan> before, Dictionary<int, TimeSpan> after) =>
        after.Aggregate(TimeSpan.Zero, (sum, p) => sum + p.Value - before.GetValueOrDefault(p.Key));
}
