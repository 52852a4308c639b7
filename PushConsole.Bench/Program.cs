namespace PushConsole.Bench;

// A named entry point: a top-level Program would clash with the console's own Program type.
public static class BenchProgram
{
    /// <summary><c>dotnet run -c Release --project PushConsole.Bench -- broadcast [options]</c></summary>
    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is not "broadcast")
        {
            Console.WriteLine("""
                PushConsole benchmarks (figures are printed; see README "Benchmarks").
                  broadcast [--followers 1000000] [--provider sqlite|postgres] [--postgres CS] [--concurrency 128] [--lanes 4] [--batch 1000] [--gc workstation|server|conserve]
                """);
            return 2;
        }
        var options = new BenchArguments(args[1..]);
        return await BroadcastBench.RunAsync(options);
    }
}
