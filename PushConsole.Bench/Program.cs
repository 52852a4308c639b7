namespace PushConsole.Bench;

// A named entry point: a top-level Program would clash with the console's own Program type.
public static class BenchProgram
{
    /// <summary><c>dotnet run -c Release --project PushConsole.Bench -- intake|claim --provider sqlite|postgres [options]</c></summary>
    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("intake" or "claim"))
        {
            Console.WriteLine("""
                PushConsole benchmarks (figures are printed; see README "Benchmarks").
                  intake --provider sqlite|postgres [--seconds 10] [--warmup 3] [--connections 64] [--users 20000] [--postgres CS]
                  claim  --provider sqlite|postgres [--users 50000] [--per-user 10] [--batch 1000] [--claimers N] [--postgres CS]
                PostgreSQL: --postgres or PUSHCONSOLE_BENCH_POSTGRES is an admin connection string; a database is created per run.
                """);
            return 2;
        }
        var options = new BenchArguments(args[1..]);
        return args[0] == "intake" ? await IntakeBench.RunAsync(options) : await ClaimBench.RunAsync(options);
    }
}
