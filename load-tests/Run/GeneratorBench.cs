using System.Diagnostics;
using TopOfHeart.Grains.Relay;
using TopOfHeart.LoadTests.Traffic;

namespace TopOfHeart.LoadTests.Run;

/// <summary><c>--generator-only</c>: the generator's own cost per event (stories, relay core, JSON), on one thread.</summary>
public static class GeneratorBench
{
    public static void Run(TimeSpan duration, bool instant)
    {
        var oracle = new RelayOracle(new DetectionSettings());
        var traffic = new RelayTraffic("bench", 1, oracle, TimeSpan.FromSeconds(3), 0.5);
        traffic.PlantFailures(100, duration.TotalSeconds);
        var clock = Stopwatch.StartNew();
        long events = 0, bytes = 0;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        while (clock.Elapsed < duration)
        {
            // --generator-only instant: every step due at once, so no story waits (the cost of the stories alone).
            var batch = traffic.Next(200, instant ? events * 100 : (long)clock.Elapsed.TotalMilliseconds, startNew: true);
            bytes += EventWire.ToJson(batch.Events).Length;
            batch.Answered();
            events += batch.Count;
        }

        var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Console.WriteLine($"{events / clock.Elapsed.TotalSeconds:N0} events/s on one thread, {used.TotalMicroseconds / events:0.00} µs CPU per event, {bytes / (double)events:0} bytes per event; {oracle.Expected.Count} alerts expected, self-check failures: {oracle.SelfCheckFailures.Count}");
        Console.WriteLine($"GC: {GC.CollectionCount(0)} gen0, {GC.CollectionCount(1)} gen1, {GC.CollectionCount(2)} gen2, {GC.GetTotalPauseDuration().TotalMilliseconds:0} ms paused; heap {GC.GetTotalMemory(false) / 1048576} MiB");
        foreach (var failure in oracle.SelfCheckFailures.Take(5)) Console.WriteLine("  " + failure);
    }
}
