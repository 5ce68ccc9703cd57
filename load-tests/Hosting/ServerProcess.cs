using System.Diagnostics;
using TopOfHeart.LoadTests.Run;

namespace TopOfHeart.LoadTests.Hosting;

/// <summary>
/// A product process (silo or LiveBoard) started from its build output on loopback ports, its output kept in a
/// log file, waited for until <c>/health</c> answers 200, and killed with its tree when the run ends.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private ServerProcess(string name, Process process, StreamWriter log, string logPath, Uri url)
    {
        Name = name;
        _process = process;
        _log = log;
        LogPath = logPath;
        Url = url;
        Pid = process.Id;
    }

    public string Name { get; }

    public Uri Url { get; }

    /// <summary>The product's own process (not the <c>timeout</c> around it): the one whose memory and CPU are measured.</summary>
    public int Pid { get; private set; }

    public string LogPath { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Starts <c>dotnet &lt;dll&gt; args</c> with the dll's folder as content root. Under coreutils' <c>timeout</c>
    /// where there is one, so the process dies by <paramref name="killAfter"/> even if this tool is killed first.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(string name, string dll, Uri url, IEnumerable<string> args, string logPath,
        TimeSpan readyWithin, TimeSpan killAfter)
    {
        Loopback.RequireLoopback(url);
        var guarded = OperatingSystem.IsLinux() && File.Exists(TimeoutPath);
        var start = new ProcessStartInfo(guarded ? TimeoutPath : "dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (guarded)
        {
            start.ArgumentList.Add("--signal=KILL");
            start.ArgumentList.Add($"{(int)Math.Ceiling(killAfter.TotalSeconds)}s");
            start.ArgumentList.Add("dotnet");
        }

        start.ArgumentList.Add(dll);
        start.ArgumentList.Add($"--urls={url.GetLeftPart(UriPartial.Authority)}");
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";

        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        var log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        if (!process.Start()) throw new InvalidOperationException($"{name} did not start.");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerProcess(name, process, log, logPath, url);
        Children.Add(server);
        if (guarded) server.Pid = await ChildOfAsync(process.Id) ?? process.Id;
        await server.WaitHealthyAsync(readyWithin);
        return server;
    }

    private const string TimeoutPath = "/usr/bin/timeout";

    private static async Task<int?> ChildOfAsync(int pid)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                var children = (await File.ReadAllTextAsync($"/proc/{pid}/task/{pid}/children")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (children.Length > 0) return int.Parse(children[0], System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                return null;
            }

            await Task.Delay(20);
        }

        return null;
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null) return;
        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // The run is over.
            }
        }
    }

    private async Task WaitHealthyAsync(TimeSpan within)
    {
        using var http = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} before it was ready:\n{Tail(20)}");
            try
            {
                using var response = await http.GetAsync("/health");
                if (response.IsSuccessStatusCode) return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            if (deadline.Elapsed > within)
                throw new TimeoutException($"{Name} did not answer /health within {within.TotalSeconds:0} s:\n{Tail(20)}");
            await Task.Delay(100);
        }
    }

    /// <summary>The last lines of the process's output, for a failure message.</summary>
    public string Tail(int lines)
    {
        lock (_log)
        {
            _log.Flush();
        }

        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException)
        {
            return "(no output)";
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        Children.Remove(this);
        return ValueTask.CompletedTask;
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        lock (_log)
        {
            _log.Dispose();
        }
    }

    /// <summary>Kills whatever this run started, also when it is interrupted.</summary>
    public static void KillAll()
    {
        foreach (var child in Children.Snapshot()) child.Kill();
    }

    private static class Children
    {
        private static readonly List<ServerProcess> All = [];

        public static void Add(ServerProcess p)
        {
            lock (All) All.Add(p);
        }

        public static void Remove(ServerProcess p)
        {
            lock (All) All.Remove(p);
        }

        public static ServerProcess[] Snapshot()
        {
            lock (All) return [.. All];
        }
    }
}
