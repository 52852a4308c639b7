using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace PushConsole.Bench;

/// <summary>
/// The WeChat simulator as its own process on loopback (the standalone program), and the calls of its control API the
/// benchmarks need. The bench never shares a process with the simulator, so the figures include real HTTP.
/// </summary>
internal sealed class StandaloneSimulator : IAsyncDisposable
{
    private readonly Process? process;

    private StandaloneSimulator(Uri baseAddress, Process? process)
    {
        BaseAddress = baseAddress;
        this.process = process;
        Control = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, UseProxy = false }) { BaseAddress = baseAddress };
    }

    public Uri BaseAddress { get; }
    public HttpClient Control { get; }

    /// <summary>The simulator process's CPU time so far (zero for a simulator given by URL: not ours to measure).</summary>
    public TimeSpan CpuTime() => process is null ? TimeSpan.Zero : ServerCpu.OfProcess(process.Id);

    /// <summary>Starts PushConsole.Simulator.dll (beside this program) on a free port, or uses <paramref name="url"/>.</summary>
    public static async Task<StandaloneSimulator> StartAsync(string? url)
    {
        if (url is not null)
        {
            var given = new StandaloneSimulator(new Uri(url.TrimEnd('/') + "/"), null);
            await given.WaitUntilUpAsync();
            return given;
        }
        var port = FreePort();
        var dll = Path.Combine(AppContext.BaseDirectory, "PushConsole.Simulator.dll");
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", $"http://127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Server GC for the simulator too: it answers tens of thousands of requests a second.
        start.Environment["DOTNET_gcServer"] = "1";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        var process = Process.Start(start) ?? throw new InvalidOperationException("The simulator did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"  [simulator] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var simulator = new StandaloneSimulator(new Uri($"http://127.0.0.1:{port}/"), process);
        await simulator.WaitUntilUpAsync();
        return simulator;
    }

    private async Task WaitUntilUpAsync()
    {
        for (var i = 0; i < 200; i++)
        {
            try
            {
                using var response = await Control.GetAsync("control");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        throw new InvalidOperationException($"The simulator at {BaseAddress} did not answer.");
    }

    public async Task<JsonElement> PostAsync(string path, object body)
    {
        using var response = await Control.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{path}: HTTP {(int)response.StatusCode} {text}");
        }
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<JsonElement> GetAsync(string path) => await Control.GetFromJsonAsync<JsonElement>(path);

    /// <summary>Calls by errcode of one API of one app, from the simulator's counters.</summary>
    public async Task<Dictionary<int, long>> ErrorsAsync(string appId, string api)
    {
        var counters = await GetAsync("control/counters");
        var errors = new Dictionary<int, long>();
        if (counters.TryGetProperty(appId, out var app) && app.TryGetProperty(api, out var stats) && stats.TryGetProperty("errors", out var byCode))
        {
            foreach (var entry in byCode.EnumerateObject())
            {
                errors[int.Parse(entry.Name, System.Globalization.CultureInfo.InvariantCulture)] = entry.Value.GetInt64();
            }
        }
        return errors;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        Control.Dispose();
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process?.Dispose();
    }
}
