namespace PushConsole.Bench;

// A named entry point: a top-level Program would clash with the console's own Program type.
public static class BenchProgram
{
    /// <summary><c>dotnet run -c Release --project PushConsole.Bench -- intake|claim|broadcast [options]</c></summary>
    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("intake" or "claim" or "broadcast" or "campaign" or "cluster" or "dashboards" or "messages" or "pages"))
        {
            Console.WriteLine("""
                PushConsole benchmarks (figures are printed; see README "Benchmarks").
                  intake --provider sqlite|postgres [--seconds 10] [--warmup 3] [--connections 64] [--users 20000] [--postgres CS]
                  claim  --provider sqlite|postgres [--users 50000] [--per-user 10] [--batch 1000] [--claimers N] [--postgres CS]
                  broadcast [--followers 1000000] [--provider sqlite|postgres] [--postgres CS] [--concurrency 128] [--batch 1000] [--gc workstation|server|conserve]
                  cluster --nodes 1,2,3 [--followers 200000] [--concurrency 128] [--batch 1000] [--rate 100000] [--postgres CS]
                  messages [--messages 20000] [--callers 32] [--warmup 500] [--simulator URL] [--provider sqlite|postgres] [--postgres CS]
                  campaign [--users 100000] [--capped-users 20000] [--cap 2000] [--concurrency 64] [--ceiling-seconds 5] [--simulator URL] [--provider sqlite|postgres] [--postgres CS]
                  pages [--credentials 0] [--users N] [--ledger 0] [--repeats 3] [--provider sqlite|postgres] [--postgres CS] [--chromium /usr/bin/chromium]
                  dashboards [--credentials 10000000] [--users 1000000] [--ledger 1000000] [--big-run 100000] [--repeats 3] [--provider sqlite|postgres] [--postgres CS]
                PostgreSQL: --postgres or PUSHCONSOLE_BENCH_POSTGRES is an admin connection string; a database is created per run.
                """);
            return 2;
        }
        var options = new BenchArguments(args[1..]);
        return args[0] switch
        {
            "intake" => await IntakeBench.RunAsync(options),
            "claim" => await ClaimBench.RunAsync(options),
            "campaign" => await CampaignCommand.RunAsync(options),
            "cluster" => await ClusterBench.RunAsync(options),
            "dashboards" => await DashboardBench.RunAsync(options),
            "messages" => await MessagesBench.RunAsync(options),
            "pages" => await PagesBench.RunAsync(options),
            _ => await BroadcastBench.RunAsync(options),
        };
    }
}
