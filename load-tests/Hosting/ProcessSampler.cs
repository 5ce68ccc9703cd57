using System.Diagnostics;
using System.Globalization;

namespace TopOfHeart.LoadTests.Hosting;

/// <summary>One reading of a process: resident memory and CPU over the last interval (100 % = one core).</summary>
public sealed record ResourceSample(double AtSeconds, string Process, long RssBytes, double CpuPercent);

/// <summary>
/// Reads <c>/proc/&lt;pid&gt;/stat</c> and <c>/status</c> of the product's processes, this tool and the whole
/// machine once a second. Linux only; elsewhere it records nothing.
/// </summary>
public sealed class ProcessSampler : IAsyncDisposable
{
    public const string Machine = "machine";
    public const string Generator = "generator";

    private static readonly double TicksPerSecond = 100; // USER_HZ is 100 on every Linux the project runs on.

    private readonly Dictionary<string, int> _pids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (double Cpu, double At)> _last = new(StringComparer.Ordinal);
    private readonly List<ResourceSample> _samples = [];
    private readonly Stopwatch _clock;
    private readonly CancellationTokenSource _stop = new();
    private (double Busy, double Total)? _lastMachine;
    private Task? _loop;

    public ProcessSampler(Stopwatch runClock)
    {
        _clock = runClock;
        Watch(Generator, Environment.ProcessId);
    }

    public void Watch(string name, int pid)
    {
        lock (_samples) _pids[name] = pid;
    }

    public void Start() => _loop = Task.Run(LoopAsync);

    public IReadOnlyList<ResourceSample> Samples
    {
        get
        {
            lock (_samples) return [.. _samples];
        }
    }

    public ResourceSample? Latest(string process)
    {
        lock (_samples) return _samples.LastOrDefault(s => s.Process == process);
    }

    /// <summary>A reading now, outside the once-a-second rhythm.</summary>
    public long RssNow(string process)
    {
        lock (_samples) return _pids.TryGetValue(process, out var pid) ? ReadRss(pid) : 0;
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            do
            {
                SampleOnce();
            }
            while (await timer.WaitForNextTickAsync(_stop.Token));
        }
        catch (OperationCanceledException)
        {
            // Run over.
        }
    }

    private void SampleOnce()
    {
        if (!OperatingSystem.IsLinux()) return;
        var at = _clock.Elapsed.TotalSeconds;
        lock (_samples)
        {
            foreach (var (name, pid) in _pids)
            {
                var cpu = ReadCpuSeconds(pid);
                if (cpu is null) continue;
                var rss = ReadRss(pid);
                if (_last.TryGetValue(name, out var last) && at > last.At)
                {
                    _samples.Add(new ResourceSample(at, name, rss, 100 * (cpu.Value - last.Cpu) / (at - last.At)));
                }

                _last[name] = (cpu.Value, at);
            }

            if (ReadMachine() is { } machine)
            {
                if (_lastMachine is { } prev && machine.Total > prev.Total)
                {
                    var cores = Environment.ProcessorCount;
                    _samples.Add(new ResourceSample(at, Machine, 0, 100 * cores * (machine.Busy - prev.Busy) / (machine.Total - prev.Total)));
                }

                _lastMachine = machine;
            }
        }
    }

    private static double? ReadCpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name, which is in parentheses and may hold spaces.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var utime = double.Parse(fields[11], CultureInfo.InvariantCulture);
            var stime = double.Parse(fields[12], CultureInfo.InvariantCulture);
            return (utime + stime) / TicksPerSecond;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static long ReadRss(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
                var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            // Gone.
        }

        return 0;
    }

    private static (double Busy, double Total)? ReadMachine()
    {
        try
        {
            var line = File.ReadLines("/proc/stat").First();
            var values = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            var idle = values[3] + (values.Length > 4 ? values[4] : 0);
            var total = values.Take(8).Sum();
            return (total - idle, total);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null) await _loop;
        _stop.Dispose();
    }
}
