using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.Channels;

/// <summary>
/// The console as a real child process (<c>dotnet PushConsole.dll</c> from the test output), configured through
/// environment variables, so a test can kill -9 it and start it again on the same database.
/// </summary>
public sealed class ConsoleProcess : IDisposable
{
    private readonly Process process;
    private readonly List<string> output = [];

    private ConsoleProcess(Process process, Uri baseAddress)
    {
        this.process = process;
        BaseAddress = baseAddress;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri BaseAddress { get; }
    public int ProcessId => process.Id;

    /// <summary>Every line kept (the last few hundred) that contains <paramref name="text"/>.</summary>
    public IReadOnlyList<string> LinesWith(string text) { lock (output) return output.Where(l => l.Contains(text, StringComparison.Ordinal)).ToList(); }

    /// <summary>The last lines the process wrote, for a failing test's message.</summary>
    public string Output { get { lock (output) return string.Join("\n", output.TakeLast(40)); } }

    public static async Task<ConsoleProcess> StartAsync(DatabaseOptions database, int port, IDictionary<string, string> settings)
    {
        var workDir = Directory.CreateTempSubdirectory("pushconsole-process-").FullName;
        var info = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "PushConsole.dll")])
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["ASPNETCORE_ENVIRONMENT"] = "Testing",
            ["PUSHCONSOLE_CONFIG"] = Path.Combine(workDir, "none.json"),
            ["Database__Provider"] = database.Provider.ToString(),
            ["ConnectionStrings__PushConsole"] = database.ConnectionString,
            ["Bootstrap__AdminEmail"] = ConsoleHost.AdminEmail,
            ["Bootstrap__AdminPassword"] = ConsoleHost.AdminPassword,
            ["Bootstrap__ApiToken"] = ConsoleHost.AdminApiToken,
            ["Demo__Enabled"] = "false",
            // The tests' simulators listen on loopback ports of their own.
            ["Accounts__AllowedApiBaseUrls__0"] = "http://127.0.0.1:*",
            // Each process has a data folder of its own; like the nodes of a cluster they are given one key.
            ["DataProtection__CertificatePath"] = Path.Combine(AppContext.BaseDirectory, "test-dataprotection.pfx"),
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__PushConsole"] = "Information",
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }
        var started = new ConsoleProcess(Process.Start(info)!, new Uri($"http://127.0.0.1:{port}/"));
        try
        {
            await started.WaitReadyAsync();
        }
        catch
        {
            // A console that never became ready would otherwise outlive the test run (and hold whatever it inherited).
            started.Dispose();
            throw;
        }
        return started;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public HttpClient CreateHttpClient(string? bearer = ConsoleHost.AdminApiToken)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        return client;
    }

    /// <summary>SIGKILL: no shutdown hooks, no flushing, exactly like a crash.</summary>
    public void KillHard()
    {
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    private async Task WaitReadyAsync()
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var started = DateTime.UtcNow;
        // Only a bound for a console that will never come up, not a timing figure: a cold start (JIT, migrations on a
        // fresh server) on two cores shared with parallel builds is slow, and the failure message says how long it waited.
        var deadline = started.AddSeconds(180);
        while (true)
        {
            Assert.False(process.HasExited, $"The console exited with {(process.HasExited ? process.ExitCode : 0)}:\n{Output}");
            try
            {
                using var response = await http.GetAsync("healthz");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Busy starting.
            }
            Assert.True(DateTime.UtcNow < deadline, $"The console did not become ready in {DateTime.UtcNow - started:g}:\n{Output}");
            await Task.Delay(200);
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (output)
        {
            output.Add(line);
            if (output.Count > 4000)
            {
                output.RemoveRange(0, 2000);
            }
        }
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        process.Dispose();
    }
}
