using TopOfHeart.LoadTests.Hosting;
using TopOfHeart.LoadTests.Run;

RunOptions options;
try
{
    if (args.Contains("--help") || args.Contains("-h"))
    {
        Console.WriteLine(RunOptions.Usage);
        return 0;
    }

    if (args.Contains("--generator-only"))
    {
        // How fast this machine tells stories and writes them as JSON, with no server: the generator's own cost.
        GeneratorBench.Run(TimeSpan.FromSeconds(5), args.Contains("instant"));
        return 0;
    }

    options = RunOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(RunOptions.Usage);
    return 2;
}

// Hundreds of SignalR connections and HTTP requests complete on the pool: never let it start from two threads.
ThreadPool.GetMinThreads(out var workers, out var io);
ThreadPool.SetMinThreads(Math.Max(workers, 64), Math.Max(io, 64));

// Bounded whatever happens: the load, the ceiling, the drain, the planted deadlines and the checks, plus slack.
using var cancellation = new CancellationTokenSource(options.Bound);
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => ServerProcess.KillAll();

var report = await new LoadRun(options).ExecuteAsync(cancellation.Token);
Console.WriteLine(report.Passed
    ? $"{(options.Smoke ? "smoke" : report.Scenario)}: passed"
    : $"{(options.Smoke ? "smoke" : report.Scenario)}: FAILED\n  " + string.Join("\n  ", report.Problems));
return report.Passed ? 0 : 1;
