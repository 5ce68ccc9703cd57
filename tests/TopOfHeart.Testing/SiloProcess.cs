using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace TopOfHeart.Testing;

/// <summary>
/// The built silo (<c>src/Silo/bin/&lt;Configuration&gt;/net10.0/TopOfHeart.Silo.dll</c>, the same configuration as the
/// tests) run by <c>dotnet</c> as a child process on 127.0.0.1, so a test can SIGKILL it like a crash would.
/// Its output goes to a log file; every process still running is killed on dispose and when the test host exits.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private static readonly TimeSpan HealthTimeout = TimeSpan.FromSeconds(60);
    private static readonly ConcurrentDictionary<int, Process> Running = new();

    private static readonly string[] ProblemLevels = ["warn: ", "fail: ", "crit: "];

    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly object _logGate = new();

    static SiloProcess()
    {
        // A test host that ends (or crashes) takes its silos with it.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var process in Running.Values) TryKill(process);
        };
    }

    private SiloProcess(SiloOptions options, Process process, StreamWriter log, string logPath, Stopwatch sinceStart)
    {
        Options = options;
        _process = process;
        _log = log;
        LogPath = logPath;
        SinceStart = sinceStart;
        BaseAddress = new Uri($"http://127.0.0.1:{options.HttpPort}");
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public SiloOptions Options { get; }

    public string Name => Options.Name;

    public Uri BaseAddress { get; }

    public HttpClient Http { get; }

    public string LogPath { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Its Orleans silo address as <c>/health</c> reports it (what <c>CaseView.HostedBy</c> names).</summary>
    public string SiloAddress { get; private set; } = "";

    /// <summary>From <c>Process.Start</c> to the first <c>/health</c> 200.</summary>
    public TimeSpan StartedIn { get; private set; }

    /// <summary>Runs since the process was started.</summary>
    public Stopwatch SinceStart { get; }

    /// <summary>Starts the silo and waits until <c>/health</c> answers 200 (it is an active cluster member).</summary>
    public static async Task<SiloProcess> StartAsync(SiloOptions options)
    {
        var siloDll = LocateSiloDll();
        Directory.CreateDirectory(LogDirectory);
        var logPath = Path.Combine(LogDirectory, $"{DateTime.UtcNow:HHmmss.fff}-{options.Name}.log");

        var start = new ProcessStartInfo("dotnet")
        {
            // The content root (appsettings.json) is the working directory.
            WorkingDirectory = Path.GetDirectoryName(siloDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(siloDll);
        start.ArgumentList.Add($"--urls=http://127.0.0.1:{options.HttpPort}");
        start.ArgumentList.Add($"--TopOfHeart:Orleans:SiloPort={options.SiloPort}");
        start.ArgumentList.Add($"--TopOfHeart:Orleans:GatewayPort={options.GatewayPort}");
        foreach (var (key, value) in options.Settings) start.ArgumentList.Add($"--{key}={value}");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment.Remove("ASPNETCORE_ENVIRONMENT");

        var log = new StreamWriter(logPath, append: false, Encoding.UTF8) { AutoFlush = true };
        log.WriteLine($"# {options.Name}: dotnet {string.Join(' ', start.ArgumentList.Skip(1))}");
        var sinceStart = Stopwatch.StartNew();
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        if (!process.Start())
        {
            log.Dispose();
            throw new InvalidOperationException($"could not start {siloDll}");
        }

        Running[process.Id] = process;
        var silo = new SiloProcess(options, process, log, logPath, sinceStart);
        process.StandardInput.Close();
        process.OutputDataReceived += (_, e) => silo.Append(e.Data);
        process.ErrorDataReceived += (_, e) => silo.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            await silo.WaitHealthyAsync();
            silo.StartedIn = sinceStart.Elapsed;
            return silo;
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }
    }

    /// <summary>A new process with the same ports and settings (as after a crash or a deployment).</summary>
    public Task<SiloProcess> StartAgainAsync() => StartAsync(Options);

    /// <summary>SIGKILL: the process dies at once, as in a crash; nothing of it runs after this returns.</summary>
    public void Kill()
    {
        Append($"# test: SIGKILL after {SinceStart.Elapsed.TotalSeconds:F1} s");
        TryKill(_process);
        if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
            throw new TimeoutException($"{Name} (pid {ProcessId}) did not die within 10 s of SIGKILL.");
        Forget();
    }

    /// <summary>SIGTERM, then waits for a graceful exit (grains deactivate and write their snapshots); SIGKILL if it takes too long.</summary>
    public async Task StopAsync(TimeSpan? timeout = null)
    {
        if (_process.HasExited)
        {
            Forget();
            return;
        }

        Append("# test: SIGTERM");
        if (SendSignal(_process.Id, SigTerm) != 0)
            throw new InvalidOperationException($"kill(SIGTERM) of {Name} (pid {ProcessId}) failed: errno {Marshal.GetLastPInvokeError()}");
        using var wait = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        try
        {
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"{Name} did not stop within {timeout ?? TimeSpan.FromSeconds(30)} of SIGTERM; killed. Log: {LogPath}");
        }

        Forget();
    }

    /// <summary>Posts events as a JSON array (anonymous objects serialise camelCase).</summary>
    public Task<HttpResponseMessage> PostEventsAsync(IEnumerable<object> events) => Http.PostAsJsonAsync("/api/v1/events", events);

    /// <summary>GET as JSON; null on 404.</summary>
    public async Task<JsonElement?> GetJsonAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>The last lines of its log, for failure messages.</summary>
    public string LogTail(int lines = 40) =>
        ReadLog(out var all, out var unreadable) ? string.Join('\n', all.TakeLast(lines)) : unreadable;

    /// <summary>Its log so far, as lines (what the process wrote is flushed first), or why it cannot be read.</summary>
    private bool ReadLog(out string[] lines, out string unreadable)
    {
        lock (_logGate) _log.Flush();
        try
        {
            using var reader = new StreamReader(new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            lines = reader.ReadToEnd().Split('\n');
            unreadable = "";
            return true;
        }
        catch (IOException ex)
        {
            lines = [];
            unreadable = $"(log unreadable: {ex.Message})";
            return false;
        }
    }

    /// <summary>
    /// The warnings and errors of its log, each with the lines that follow it (message, first exception lines), at most
    /// <paramref name="entries"/> of them: what a failed test needs from a log it cannot keep (CI throws it away).
    /// </summary>
    public string LogProblems(int entries = 40, int linesEach = 3)
    {
        if (!ReadLog(out var all, out var unreadable)) return unreadable;
        var picked = new List<string>();
        var found = 0;
        for (var i = 0; i < all.Length; i++)
        {
            if (!IsProblem(all[i])) continue;
            if (++found > entries) continue;
            foreach (var line in all.Skip(i).Take(linesEach + 1)) picked.Add(line.Length > 300 ? line[..300] + "…" : line);
        }

        if (found > entries) picked.Add($"(… {found - entries} more warnings or errors in {LogPath})");
        return found == 0 ? "(no warnings or errors)" : string.Join('\n', picked);

        // The console logger's level marker opens the line, after the timestamp when there is one.
        static bool IsProblem(string line) => ProblemLevels.Any(level =>
            line.StartsWith(level, StringComparison.Ordinal) || line.Contains(" " + level, StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            TryKill(_process);
            await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }

        Forget();
        _process.Dispose();
        lock (_logGate) _log.Dispose();
    }

    private async Task WaitHealthyAsync()
    {
        using var probe = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} before it was healthy. Log {LogPath}:\n{LogTail()}");
            try
            {
                using var response = await probe.GetAsync("/health");
                if (response.IsSuccessStatusCode)
                {
                    var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                    SiloAddress = body.GetProperty("silo").GetString() ?? "";
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            if (deadline.Elapsed > HealthTimeout)
                throw new TimeoutException($"{Name} was not healthy within {HealthTimeout.TotalSeconds} s. Log {LogPath}:\n{LogTail()}");
            await Task.Delay(100);
        }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_logGate)
        {
            try
            {
                _log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // Output that arrives after dispose.
            }
        }
    }

    private void Forget() => Running.TryRemove(new KeyValuePair<int, Process>(_process.Id, _process));

    private static void TryKill(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }

    /// <summary><c>artifacts/silo-logs</c> at the repository root (gitignored).</summary>
    public static string LogDirectory => Path.Combine(RepositoryRoot, "artifacts", "silo-logs");

    /// <summary>The folder holding <c>TopOfHeart.sln</c>, found upwards from the test assembly.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            {
                if (File.Exists(Path.Combine(folder.FullName, "TopOfHeart.sln"))) return folder.FullName;
            }

            throw new InvalidOperationException($"No TopOfHeart.sln above {AppContext.BaseDirectory}.");
        }
    }

    /// <summary>The silo built in the same configuration as this assembly (Debug or Release).</summary>
    public static string LocateSiloDll()
    {
        var configuration = typeof(SiloProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Name;
        var dll = Path.Combine(RepositoryRoot, "src", "Silo", "bin", configuration, framework, "TopOfHeart.Silo.dll");
        return File.Exists(dll)
            ? dll
            : throw new FileNotFoundException($"The silo is not built for {configuration}: run 'dotnet build src/Silo -c {configuration}'.", dll);
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}

/// <summary>What a <see cref="SiloProcess"/> is started with: its ports (free loopback ones by default) and settings.</summary>
public sealed record SiloOptions
{
    public required string Name { get; init; }

    public int HttpPort { get; init; } = FreePorts.Next();

    public int SiloPort { get; init; } = FreePorts.Next();

    public int GatewayPort { get; init; } = FreePorts.Next();

    /// <summary>Configuration keys (<c>TopOfHeart:Storage</c>, …) passed on the command line.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();
}
