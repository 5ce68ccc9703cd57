using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;
using TopOfHeart.Grains.Relay;
using TopOfHeart.LoadTests.Hosting;
using TopOfHeart.LoadTests.Measure;
using TopOfHeart.LoadTests.Report;
using TopOfHeart.LoadTests.Traffic;
using TopOfHeart.Silo.Demo;
using TopOfHeart.Testing;

namespace TopOfHeart.LoadTests.Run;

/// <summary>
/// One run: starts the silo (and the LiveBoard when boards are asked for) as child processes, measures the ceiling
/// endpoint, drives the scenario, lets every story finish and every planted deadline pass, then checks the server's
/// alerts against the relay core's and writes the report.
/// </summary>
public sealed class LoadRun(RunOptions options)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(3);

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Timeline _timeline = new();

    public async Task<RunReport> ExecuteAsync(CancellationToken cancellation)
    {
        var started = DateTimeOffset.UtcNow;
        var runId = "lt" + started.ToString("HHmmss", CultureInfo.InvariantCulture) + Random.Shared.Next(0x1000).ToString("x3", CultureInfo.InvariantCulture);
        var detection = new DetectionSettings
        {
            HandoffAcceptSla = options.HandoffAcceptSla,
            StallTimeout = options.StallTimeout,
            MaxHops = options.MaxHops,
            SentimentDrop = options.SentimentDrop,
            ReorderGrace = options.ReorderGrace,
        };
        var departments = FloorRoster.Default.Departments.Select(d => d.Name).ToList();
        var report = new RunReport
        {
            Scenario = options.Scenario.ToString().ToLowerInvariant(),
            Smoke = options.Smoke,
            RunId = runId,
            StartedUtc = started,
            Machine = new MachineInfo(Environment.ProcessorCount, Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1073741824.0, 1),
                RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription),
            Settings = Describe(options),
        };

        await using var sampler = new ProcessSampler(_clock);
        sampler.Start();
        var status = new StatusBoard(_clock, sampler) { Timeline = _timeline };
        var reportsDir = options.ReportsDirectory ?? BuildOutput.ReportsDirectory;
        var logsDir = Path.Combine(reportsDir, "tmp");

        try
        {
            await status.RunAsync(options.Live, async () =>
            {
                await RunAsync(report, detection, departments, sampler, status, logsDir, cancellation);
                return 0;
            });
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            report.Problems.Add($"The run stopped: {ex.GetBaseException().Message}");
        }
        finally
        {
            ServerProcess.KillAll();
        }

        report.DurationSeconds = Math.Round(_clock.Elapsed.TotalSeconds, 1);
        report.Timeline = _timeline.Points;
        report.Resources = sampler.Samples;
        foreach (var path in ReportWriter.Write(report, reportsDir)) Console.WriteLine($"report: {Path.GetRelativePath(Environment.CurrentDirectory, path)}");
        return report;
    }

    private async Task RunAsync(RunReport report, DetectionSettings detection, List<string> departments, ProcessSampler sampler,
        StatusBoard status, string logsDir, CancellationToken cancellation)
    {
        // 1. The product, on free loopback ports.
        status.Enter("starting the silo");
        var siloUrl = Loopback.Url(FreePorts.Next());
        var gatewayPort = FreePorts.Next();
        var siloArgs = new List<string>
        {
            $"--TopOfHeart:Orleans:SiloPort={FreePorts.Next()}",
            $"--TopOfHeart:Orleans:GatewayPort={gatewayPort}",
            $"--TopOfHeart:Storage={options.Storage}",
            $"--TopOfHeart:Detection:HandoffAcceptSla={detection.HandoffAcceptSla:c}",
            $"--TopOfHeart:Detection:StallTimeout={detection.StallTimeout:c}",
            $"--TopOfHeart:Detection:MaxHops={detection.MaxHops}",
            string.Create(CultureInfo.InvariantCulture, $"--TopOfHeart:Detection:SentimentDrop={detection.SentimentDrop}"),
            $"--TopOfHeart:Detection:ReorderGrace={detection.ReorderGrace:c}",
            "--Logging:LogLevel:Default=Warning",
        };
        if (options.ConnectionString is { } cs) siloArgs.Add($"--ConnectionStrings:TopOfHeart={cs}");
        var stamp = report.StartedUtc.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        await using var silo = await ServerProcess.StartAsync("silo", BuildOutput.SiloDll, siloUrl, siloArgs,
            Path.Combine(logsDir, $"{report.Scenario}-{stamp}-silo.log"), TimeSpan.FromSeconds(120), options.Bound + TimeSpan.FromMinutes(1));
        sampler.Watch("silo", silo.Pid);

        ServerProcess? liveBoard = null;
        BoardSubscribers? boards = null;
        try
        {
            if (options.Subscribers > 0)
            {
                status.Enter("starting the LiveBoard");
                liveBoard = await ServerProcess.StartAsync("liveboard", BuildOutput.LiveBoardDll, Loopback.Url(FreePorts.Next()),
                    [$"--TopOfHeart:Orleans:GatewayPort={gatewayPort}", "--Logging:LogLevel:Default=Warning"],
                    Path.Combine(logsDir, $"{report.Scenario}-{stamp}-liveboard.log"), TimeSpan.FromSeconds(120), options.Bound + TimeSpan.FromMinutes(1));
                sampler.Watch("liveboard", liveBoard.Pid);
                status.Enter($"connecting {options.Subscribers} board subscribers");
                boards = await BoardSubscribers.ConnectAsync(liveBoard.Url, options.Subscribers, departments, options.PerAlertBoards, cancellation);
                status.Boards = boards;
            }

            // 2. The ceiling: the same generator and batches against a parse-and-count endpoint.
            if (options.Ceiling)
            {
                status.Enter($"measuring the ceiling endpoint for {options.CeilingSeconds} s");
                await using var ceiling = await CeilingServer.StartAsync();
                var ceilingTraffic = new RelayTraffic(report.RunId + "c", options.Seed + 1, new RelayOracle(detection), options.TimerLead, options.ResolveShare);
                using var ceilingDriver = new IngestDriver(ceiling.Url, options.Connections, _clock, _timeline);
                status.Driver = ceilingDriver;
                report.Ceiling = await ceilingDriver.RunClosedLoopAsync("ceiling", ceilingTraffic, options.Batch, options.Connections,
                    TimeSpan.FromSeconds(options.CeilingSeconds), long.MaxValue, cancellation);
                report.Distributions["ceiling ingest"] = ceilingDriver.Latency.Distribution();
            }

            // 3. The scenario against the silo.
            var oracle = new RelayOracle(detection);
            var traffic = new RelayTraffic(report.RunId, options.Seed, oracle, options.TimerLead, options.ResolveShare, options.Ordered);
            using var driver = new IngestDriver(silo.Url, options.Connections, _clock, _timeline);
            status.Driver = driver;
            status.Traffic = traffic;
            if (options.WarmupSeconds > 0)
            {
                var warmRate = Math.Min(2_000, options.Scenario == Scenario.Ramp ? options.RampStart : options.Rate ?? 2_000);
                status.Enter($"warming the silo up: {warmRate:N0} events/s for {options.WarmupSeconds} s");
                var warm = await driver.RunConstantAsync("warm-up", traffic, warmRate, options.Batch, TimeSpan.FromSeconds(options.WarmupSeconds),
                    options.MaxEvents, cancellation);
                report.Phases.Add(warm);
            }

            var baselineRss = sampler.RssNow("silo");
            var loadFrom = _clock.Elapsed.TotalSeconds;
            var gcBefore = (await ReadHeapAsync(silo.Url, cancellation))?.Gc;
            using var young = new YoungCollections(silo.Url);
            using var loadOver = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            var sampling = young.RunAsync(loadOver.Token);
            try
            {
                await DriveAsync(report, silo.Url, traffic, driver, sampler, status, cancellation);
            }
            finally
            {
                // Stopped before its HTTP client goes, whether the load ended or failed.
                await loadOver.CancelAsync();
                await sampling;
            }

            var gcAfter = (await ReadHeapAsync(silo.Url, cancellation))?.Gc;
            if (gcBefore is not null && gcAfter is not null)
            {
                var pausedMs = gcAfter.PausedMs - gcBefore.PausedMs;
                var seconds = _clock.Elapsed.TotalSeconds - loadFrom;
                report.Gc = new GcFigures(
                    gcAfter.Gen0Collections - gcBefore.Gen0Collections,
                    gcAfter.Gen1Collections - gcBefore.Gen1Collections,
                    gcAfter.Gen2Collections - gcBefore.Gen2Collections,
                    Math.Round(pausedMs, 1),
                    seconds > 0 ? Math.Round(pausedMs / (seconds * 1000) * 100, 2) : 0,
                    gcAfter.Gen0MaxBudgetBytes,
                    young.Summary());
            }

            status.Enter("letting every story finish");
            await driver.DrainAsync("drain", traffic, options.Batch, TimeSpan.FromSeconds(60), cancellation);
            var loadTo = _clock.Elapsed.TotalSeconds;

            // 4. Every planted deadline passes, and the boards go quiet.
            var lastDeadline = oracle.LastPendingDeadline();
            if (lastDeadline is { } last)
            {
                var wait = last + Grace - DateTimeOffset.UtcNow;
                status.Enter($"waiting {Math.Max(0, wait.TotalSeconds):0} s for the planted deadlines to pass");
                if (wait > TimeSpan.Zero) await Task.Delay(wait < TimeSpan.FromMinutes(15) ? wait : TimeSpan.FromMinutes(15), cancellation);
            }

            await QuietAsync(boards, status, cancellation);
            oracle.Settle(DateTimeOffset.UtcNow - Grace);

            // 5. What the server says.
            status.Enter("reading the silo's alerts and board");
            var census = await AlertCensus.TakeAsync(silo.Url, traffic.CasePrefix, departments, cancellation);
            var floor = await ReadBoardAsync(silo.Url, cancellation);
            var endRss = sampler.RssNow("silo");
            var heap = await ReadHeapAsync(silo.Url, cancellation);

            Summarise(report, oracle, traffic, driver, census, boards, floor, sampler, baselineRss, endRss, loadFrom, loadTo);
            if (report.Memory is { } memory && heap is { } h)
            {
                report.Memory = memory with
                {
                    SiloManagedHeapEndMiB = h.Memory is { } m ? Mib(m.HeapBytes) : null,
                    SiloGcCommittedEndMiB = h.Memory is { } c ? Mib(c.CommittedBytes) : null,
                    CasesInMemoryEnd = h.Grains?.CasesInMemory,
                    CustomersInMemoryEnd = h.Grains?.CustomersInMemory,
                    StoredSnapshotsEnd = h.Grains?.StoredSnapshots,
                };
            }

            if (silo.HasExited) report.Problems.Add($"The silo exited during the run:\n{silo.Tail(20)}");
        }
        finally
        {
            if (boards is not null) await boards.DisposeAsync();
            if (liveBoard is not null) await liveBoard.DisposeAsync();
        }
    }

    private async Task DriveAsync(RunReport report, Uri silo, RelayTraffic traffic, IngestDriver driver, ProcessSampler sampler,
        StatusBoard status, CancellationToken cancellation)
    {
        var seconds = TimeSpan.FromSeconds(options.Seconds);
        switch (options.Scenario)
        {
            case Scenario.Ramp:
                await RampAsync(report, traffic, driver, sampler, status, cancellation);
                break;

            case Scenario.Deadlines:
                await DeadlinesAsync(report, silo, traffic, driver, status, cancellation);
                break;

            default:
                await SteadyAsync(report, traffic, driver, status, seconds, cancellation);
                break;
        }
    }

    /// <summary>Batons go in at the rate asked; their deadlines start after the last is in, spread over a window.</summary>
    private async Task DeadlinesAsync(RunReport report, Uri silo, RelayTraffic traffic, IngestDriver driver, StatusBoard status, CancellationToken cancellation)
    {
        var rate = options.Rate ?? 10_000;
        var loadTime = TimeSpan.FromSeconds(2.0 * options.Batons / rate);
        var firstDue = DateTimeOffset.UtcNow + loadTime + TimeSpan.FromSeconds(5);
        traffic.PlantDroppedBatons(options.Batons, firstDue, TimeSpan.FromSeconds(options.DeadlineSpreadSeconds));
        status.Enter($"sending {options.Batons:N0} batons nobody will pick up at {rate:N0} events/s; deadlines from {firstDue:HH:mm:ss} over {options.DeadlineSpreadSeconds} s");
        var phase = await driver.RunConstantAsync("batons", traffic, rate, options.Batch, loadTime + TimeSpan.FromSeconds(1), options.MaxEvents, cancellation);
        report.Phases.Add(phase);
        report.Main = phase;
        if (traffic.PlantedPending > 0) report.Problems.Add($"{traffic.PlantedPending} batons were not sent within the load time (the silo took less than {rate:N0} events/s).");
        if (await ReadBoardAsync(silo, cancellation) is { } before)
            report.Notes.Add($"When the last baton was in: {before.BatonsInFlight:N0} batons in flight and {before.OpenCases:N0} open cases on the silo's board.");
    }

    /// <summary>Steady, planted, fanout and soak: one phase at the rate asked (or as fast as the silo answers), planted failures spread through it.</summary>
    private async Task SteadyAsync(RunReport report, RelayTraffic traffic, IngestDriver driver, StatusBoard status, TimeSpan seconds, CancellationToken cancellation)
    {
        traffic.PlantFailures(options.PlantedPerKind, options.Seconds * 0.8, _clock.Elapsed.TotalSeconds + (options.Seconds * 0.05));
        PhaseResult phase;
        if (options.Rate is { } rate)
        {
            status.Enter($"{report.Scenario}: {rate:N0} events/s for {options.Seconds} s, {options.PlantedPerKind} planted failures of each kind");
            phase = await driver.RunConstantAsync("silo", traffic, rate, options.Batch, seconds, options.MaxEvents, cancellation);
        }
        else
        {
            status.Enter($"{report.Scenario}: as fast as the silo answers for {options.Seconds} s, {options.PlantedPerKind} planted failures of each kind");
            phase = await driver.RunClosedLoopAsync("silo", traffic, options.Batch, options.Connections, seconds, options.MaxEvents, cancellation);
        }

        report.Phases.Add(phase);
        report.Main = phase;
    }

    private async Task RampAsync(RunReport report, RelayTraffic traffic, IngestDriver driver, ProcessSampler sampler, StatusBoard status,
        CancellationToken cancellation)
    {
        var steps = new List<RampStep>();
        report.Ramp = steps;
        var bound = TimeSpan.FromSeconds(options.Seconds);
        var begun = _clock.Elapsed;
        traffic.PlantFailures(options.PlantedPerKind, options.Seconds * 0.9, _clock.Elapsed.TotalSeconds + 1);
        var rate = options.RampStart;
        PhaseResult? best = null;
        var retried = false;
        for (var n = 1; _clock.Elapsed - begun + TimeSpan.FromSeconds(options.RampStepSeconds) <= bound + TimeSpan.FromSeconds(1); n++)
        {
            status.Enter($"ramp step {n}: {rate:N0} events/s for {options.RampStepSeconds} s{(retried ? " (again)" : "")}");
            var from = _clock.Elapsed.TotalSeconds;
            var phase = await driver.RunConstantAsync($"step {n}", traffic, rate, options.Batch, TimeSpan.FromSeconds(options.RampStepSeconds),
                options.MaxEvents, cancellation);
            var to = _clock.Elapsed.TotalSeconds;
            report.Phases.Add(phase);
            var cpu = Average(sampler, "silo", from, to);
            var why = new List<string>();
            var latencyOnly = true;
            if (phase.Latency.P99 > options.P99LimitMs) why.Add($"p99 {phase.Latency.P99:0} ms > {options.P99LimitMs:0} ms");
            if (phase.AcceptedPerSecond < phase.OfferedPerSecond * 0.9)
            {
                why.Add($"accepted {phase.AcceptedPerSecond:N0}/s < 90 % of offered");
                latencyOnly = false;
            }

            if (phase.FailedRequests > 0)
            {
                why.Add($"{phase.FailedRequests} requests failed");
                latencyOnly = false;
            }

            if (phase.Overloaded)
            {
                why.Add("the silo fell behind by more than the in-flight bound");
                latencyOnly = false;
            }

            var held = why.Count == 0;

            // A step lost to one tail spike (a GC pause, a neighbour's burst) is run once more before the rate counts as not held.
            var again = !held && latencyOnly && !retried;
            steps.Add(new RampStep(phase.OfferedPerSecond, phase.AcceptedPerSecond, phase.Latency, Math.Round(cpu, 1), held,
                held ? "held" : string.Join("; ", why) + (again ? " — run again" : "")));
            if (!held && !again) break;
            if (again)
            {
                retried = true;
                continue;
            }

            retried = false;
            best = phase;
            report.RampHighestHeldRate = phase.OfferedPerSecond;
            if (driver.EventsSent >= options.MaxEvents) break;
            rate *= options.RampFactor;
        }

        report.Main = best ?? report.Phases.LastOrDefault();
    }

    /// <summary>Waits until the boards have had nothing new for two seconds (at most 20 s).</summary>
    private static async Task QuietAsync(BoardSubscribers? boards, StatusBoard status, CancellationToken cancellation)
    {
        if (boards is null)
        {
            await Task.Delay(Grace, cancellation);
            return;
        }

        status.Enter("waiting for the boards to go quiet");
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        var last = -1L;
        var stableSince = DateTime.UtcNow;
        while (DateTime.UtcNow < until)
        {
            var now = boards.Deliveries;
            if (now != last)
            {
                last = now;
                stableSince = DateTime.UtcNow;
            }
            else if (DateTime.UtcNow - stableSince > TimeSpan.FromSeconds(2))
            {
                return;
            }

            await Task.Delay(200, cancellation);
        }
    }

    private sealed record SiloMemory(long HeapBytes, long CommittedBytes);

    private sealed record SiloGrains(long CasesInMemory, long CustomersInMemory, long? StoredSnapshots);

    private sealed record SiloGc(long Gen0Collections, long Gen1Collections, long Gen2Collections, double PausedMs, long? Gen0MaxBudgetBytes);

    private sealed record SiloHealth(SiloMemory? Memory, SiloGrains? Grains, SiloGc? Gc);

    /// <summary>
    /// The silo's managed heap after its last collection, what its GC has committed, and the cases and customers it holds
    /// live (from <c>/health</c>).
    /// </summary>
    private static async Task<SiloHealth?> ReadHeapAsync(Uri? silo, CancellationToken cancellation)
    {
        if (silo is null) return null;
        using var http = new HttpClient { BaseAddress = silo, Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            return await http.GetFromJsonAsync<SiloHealth>("/health", Json, cancellation);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            return null;
        }
    }

    private static async Task<FloorFigures?> ReadBoardAsync(Uri? silo, CancellationToken cancellation)
    {
        if (silo is null) return null;
        using var http = new HttpClient { BaseAddress = silo, Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            return await http.GetFromJsonAsync<FloorFigures>("/api/v1/board", Json, cancellation);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            return null;
        }
    }

    private void Summarise(RunReport report, RelayOracle oracle, RelayTraffic traffic, IngestDriver driver, AlertCensus census,
        BoardSubscribers? boards, FloorFigures? floor, ProcessSampler sampler, long baselineRss, long endRss, double loadFrom, double loadTo)
    {
        report.StoriesByKind = traffic.StartedByKind.ToDictionary(kv => kv.Key, kv => kv.Value);
        report.Events = new EventCounts(driver.EventsSent, driver.EventsAccepted, driver.Duplicates, driver.Rejected, driver.Lost,
            driver.Retried, driver.RetriedEvents, driver.FailedRequests, floor?.EventsTotal);
        if (report.Main is { } headline && driver.PhaseLatency.TryGetValue(headline.Phase, out var mainLatency))
            report.Distributions[$"silo ingest ({headline.Phase})"] = mainLatency.Distribution();

        if (report.Ceiling is { } ceiling && report.Main is { } main && ceiling.AcceptedPerSecond > 0)
            report.CeilingRatio = Math.Round(main.AcceptedPerSecond / ceiling.AcceptedPerSecond, 3);

        var detection = DetectionCheck.Evaluate(oracle, census, boards);
        report.Detection = detection;

        var serverLag = DetectionCheck.ServerDeadlineLag(
            census.Alerts.Values.Select(a => (a.RaisedAt, a.DueAt))
                .Concat(census.Truncated && boards is not null
                    ? boards.Boards.Where(b => b.Department is null).Take(1).SelectMany(b => b.Raised)
                        .Where(d => !census.Alerts.ContainsKey(d.Alert.AlertId)).Select(d => (d.Alert.RaisedAt, d.Alert.DueAt))
                    : []));
        var (ingestToAlert, deadlineToBoard, raisedToBoard) = boards is null
            ? (new LatencyRecorder(), new LatencyRecorder(), new LatencyRecorder())
            : DetectionCheck.BoardLatencies(boards, driver.TriggerSentAt, traffic.CasePrefix, options.ReorderGrace);
        report.AlertLatency = new AlertLatencies(ingestToAlert.Summary(), deadlineToBoard.Summary(), serverLag.Summary(), raisedToBoard.Summary());
        if (ingestToAlert.Count > 0) report.Distributions["ingest → alert at board"] = ingestToAlert.Distribution();
        if (deadlineToBoard.Count > 0) report.Distributions["deadline → alert at board"] = deadlineToBoard.Distribution();
        if (serverLag.Count > 0) report.Distributions["deadline → raisedAt (silo)"] = serverLag.Distribution();

        var silo = sampler.Samples.Where(s => s.Process == "silo").ToList();
        var peak = silo.Count == 0 ? endRss : Math.Max(endRss, silo.Max(s => s.RssBytes));
        var openCases = floor?.OpenCases ?? 0;
        // Too few open cases and the runtime's own growth swamps theirs.
        double? perCase = openCases >= 10_000 ? Math.Round((endRss - baselineRss) / 1024.0 / openCases, 2) : null;
        // Resolved cases stay activated (and in memory) too: the growth per case told, open or not.
        var cases = report.StoriesByKind.Where(kv => kv.Key != "walk-in").Sum(kv => (long)kv.Value);
        double? perCaseTold = cases >= 10_000 ? Math.Round((endRss - baselineRss) / 1024.0 / cases, 2) : null;
        report.Memory = new MemoryFigures(Mib(baselineRss), Mib(endRss), Mib(peak), openCases, floor?.BatonsInFlight ?? 0, cases,
            perCaseTold, perCase, perCase is { } p ? Math.Round(Mib(baselineRss) + (p * 200_000 / 1024), 0) : null);
        var siloCpu = Average(sampler, "silo", loadFrom, loadTo);
        var boardCpu = Average(sampler, "liveboard", loadFrom, loadTo);
        var generatorCpu = Average(sampler, ProcessSampler.Generator, loadFrom, loadTo);
        var machineCpu = Average(sampler, ProcessSampler.Machine, loadFrom, loadTo);
        report.Cpu = new CpuFigures(
            Math.Round(siloCpu, 1),
            Math.Round(silo.Where(s => s.AtSeconds >= loadFrom && s.AtSeconds <= loadTo + 1).Select(s => s.CpuPercent).DefaultIfEmpty().Max(), 1),
            Math.Round(boardCpu, 1),
            Math.Round(generatorCpu, 1),
            Math.Round(machineCpu, 1),
            Math.Round(Math.Max(0, machineCpu - siloCpu - boardCpu - generatorCpu), 1),
            _loadBefore,
            LoadAverage());

        Judge(report, driver, detection);
        foreach (var error in driver.Errors.Take(10)) report.Notes.Add($"ingest: {error}");
        if (census.Truncated) report.Notes.Add("The alert API lists at most 1000 per query, and some kind × department listing hit that: the census was completed from the whole-floor boards' deliveries.");
        if (census.Foreign > 0) report.Notes.Add($"{census.Foreign} alerts of other runs (a shared database) were ignored.");
        report.Notes.Add($"Stories told: {string.Join(", ", report.StoriesByKind.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value:N0}"))}.");
        report.Notes.Add("Ingest latency is counted from each batch's due time on the constant-rate schedule (not from when a connection was free), so a server that falls behind shows its queue instead of hiding it.");
    }

    private void Judge(RunReport report, IngestDriver driver, DetectionResult detection)
    {
        var ramp = options.Scenario == Scenario.Ramp;
        var ev = report.Events!;
        if (ev.Lost > 0 && !ramp) report.Problems.Add($"{ev.Lost:N0} events lost: their requests failed ({ev.FailedRequests} requests).");
        if (ev.Rejected > 0) report.Problems.Add($"{ev.Rejected:N0} events rejected by the silo.");
        if (ev.Duplicates > 0) report.Problems.Add($"{ev.Duplicates:N0} events reported as duplicates, though every id was sent once.");
        if (ev.Accepted + ev.Duplicates + ev.Rejected + ev.Lost != ev.Sent)
            report.Problems.Add($"Events unaccounted for: {ev.Sent:N0} sent, {ev.Accepted + ev.Duplicates + ev.Rejected + ev.Lost:N0} answered.");
        if (ev.ServerEventsTotal is { } applied && applied != ev.Accepted && options.Storage == "Memory")
            report.Notes.Add($"The silo's board counts {applied:N0} events applied; {ev.Accepted:N0} were accepted (the board's figures are flushed a few times a second).");
        if (detection.Recall < 1) report.Problems.Add($"Recall {detection.Recall:P2}: {detection.Expected - detection.Matched} expected alerts missing, e.g. {string.Join(", ", detection.MissingExamples.Take(3))}.");
        if (detection.Precision < 1)
        {
            report.Problems.Add($"Precision {detection.Precision:P2}: {detection.Observed - detection.Matched} false alerts, e.g. {string.Join(", ", detection.FalseExamples.Take(3))}." +
                (detection.LatePickupFalse > 0 ? $" {detection.LatePickupFalse} of them are DroppedBaton alerts the silo resolved as a late pickup: the accept was sent within the SLA but reached the silo after the deadline." : "") +
                (detection.WithdrawnFalse > 0 ? $" {detection.WithdrawnFalse} of them are CustomerChasing alerts the silo withdrew: the accept before the contact reached the silo after the reorder grace." : ""));
        }
        if (detection.Boards is { } b && (b.Missing > 0 || b.Duplicates > 0 || b.Unexpected > 0))
            report.Problems.Add($"Boards: {b.Missing} deliveries missing, {b.Duplicates} duplicated, {b.Unexpected} unexpected.");
        if (detection.Boards?.Examples is { Count: > 0 } examples) report.Problems.AddRange(examples.Select(e => "  " + e));
        if (detection.GeneratorSelfCheck.Count > 0) report.Problems.Add($"Generator self-check: {detection.GeneratorSelfCheck[0]}");
        if (detection.Expected == 0 && options.PlantedPerKind > 0) report.Problems.Add("No planted failure was sent.");

        // The issue's targets, each where this run measures it.
        var ceilingRatio = report.CeilingRatio;
        var main = report.Main;
        var sustained = main is not null && main.Seconds >= 59;
        var closedLoop = main is not null && main.OfferedPerSecond == 0;
        foreach (var (storage, goal) in new[] { ("Memory", 0.5), ("Postgres", 0.3) })
        {
            var name = storage == "Memory" ? "embedded ingest ÷ ceiling, 60 s" : "PostgreSQL ingest ÷ ceiling, 60 s";
            if (options.Storage != storage || ceilingRatio is not { } r || main is null)
            {
                report.Targets.Add(new TargetCheck(name, $"≥ {goal}", "—", null));
                continue;
            }

            var measured = string.Create(CultureInfo.InvariantCulture, $"{r:0.00} ({main.AcceptedPerSecond:N0} ÷ {report.Ceiling!.AcceptedPerSecond:N0} ev/s over {main.Seconds:0} s{(closedLoop ? ", closed loop" : $", {main.OfferedPerSecond:N0} offered")})");
            bool? met = !sustained ? null : r >= goal ? true : closedLoop || main.AcceptedPerSecond < main.OfferedPerSecond * 0.95 ? false : null;
            report.Targets.Add(new TargetCheck(name, $"≥ {goal}", measured, met));
        }

        var alert = report.AlertLatency!;
        report.Targets.Add(alert.IngestToAlertAtBoard.Count > 0
            ? new TargetCheck("ingest → alert at a SignalR board, p99", "≤ 250 ms (at half the max rate)",
                string.Create(CultureInfo.InvariantCulture, $"{alert.IngestToAlertAtBoard.P99:0} ms at {main?.OfferedPerSecond ?? 0:N0} ev/s offered ({alert.IngestToAlertAtBoard.Count:N0} deliveries)"),
                alert.IngestToAlertAtBoard.P99 <= 250)
            : new TargetCheck("ingest → alert at a SignalR board, p99", "≤ 250 ms (at half the max rate)", "—", null));

        var deadline = alert.DeadlineToAlertAtBoard.Count > 0 ? alert.DeadlineToAlertAtBoard : alert.DeadlineToRaisedInSilo;
        var where = alert.DeadlineToAlertAtBoard.Count > 0 ? "at a board" : "raisedAt in the silo";
        var batons = options.Scenario == Scenario.Deadlines ? options.Batons : 0;
        report.Targets.Add(deadline.Count > 0
            ? new TargetCheck("deadline → DroppedBaton, p99 (100,000 batons in flight)", "≤ 500 ms",
                string.Create(CultureInfo.InvariantCulture, $"{deadline.P99:0} ms {where}, {deadline.Count:N0} timer alerts, {(batons > 0 ? $"{batons:N0} batons" : "a few planted")} in flight"),
                batons >= 100_000 ? deadline.P99 <= 500 : null)
            : new TargetCheck("deadline → DroppedBaton, p99 (100,000 batons in flight)", "≤ 500 ms", "—", null));

        var mem = report.Memory!;
        report.Targets.Add(new TargetCheck("silo RSS with 200,000 open cases", "≤ 1.5 GiB",
            mem.OpenCases >= 200_000
                ? string.Create(CultureInfo.InvariantCulture, $"{mem.SiloRssEndMiB:0} MiB with {mem.OpenCases:N0} open")
                : mem.ProjectedRssAt200kOpenCasesMiB is { } projected
                    ? string.Create(CultureInfo.InvariantCulture, $"{mem.OpenCases:N0} open, {mem.SiloRssEndMiB:0} MiB; projected {projected:0} MiB at 200,000")
                    : string.Create(CultureInfo.InvariantCulture, $"{mem.OpenCases:N0} open, {mem.SiloRssEndMiB:0} MiB (too few to project)"),
            mem.OpenCases >= 200_000 ? mem.SiloRssEndMiB <= 1536 : null));

        report.Targets.Add(new TargetCheck("detection: recall, false alerts", "100 %, 0",
            string.Create(CultureInfo.InvariantCulture, $"{detection.Recall:P1}, {detection.Observed - detection.Matched} false of {detection.Expected} expected"),
            detection.Recall >= 1 && detection.Precision >= 1));
        if (driver.Retried > 0) report.Notes.Add($"{driver.Retried} requests were answered 429/503 and retried after the server's Retry-After.");
    }

    private double Average(ProcessSampler sampler, string process, double from, double to)
    {
        var values = sampler.Samples.Where(s => s.Process == process && s.AtSeconds > from && s.AtSeconds <= to + 1).Select(s => s.CpuPercent).ToList();
        return values.Count == 0 ? 0 : values.Average();
    }

    /// <summary>The 1, 5 and 15 minute load averages: how busy the machine was with other work too.</summary>
    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private readonly string _loadBefore = LoadAverage();

    private static double Mib(long bytes) => Math.Round(bytes / 1048576.0, 1);

    private static Dictionary<string, string> Describe(RunOptions o)
    {
        var inv = CultureInfo.InvariantCulture;
        var settings = new Dictionary<string, string>
        {
            ["rate"] = o.Scenario == Scenario.Ramp ? string.Create(inv, $"{o.RampStart:0}×{o.RampFactor}") : o.Rate?.ToString("0", inv) ?? "max",
            ["seconds"] = o.Seconds.ToString(inv),
            ["batch"] = o.Batch.ToString(inv),
            ["connections"] = o.Connections.ToString(inv),
            ["subscribers"] = o.Subscribers.ToString(inv),
            ["boardMessages"] = o.PerAlertBoards ? "per alert (Subscribe)" : "batched (SubscribeInBatches)",
            ["plantedPerKind"] = o.PlantedPerKind.ToString(inv),
            ["storage"] = o.Storage,
            ["handoffAcceptSla"] = o.HandoffAcceptSla.ToString("c", inv),
            ["stallTimeout"] = o.StallTimeout.ToString("c", inv),
            ["maxHops"] = o.MaxHops.ToString(inv),
            ["sentimentDrop"] = o.SentimentDrop.ToString(inv),
            ["reorderGrace"] = o.ReorderGrace.ToString("c", inv),
            ["timerLead"] = o.TimerLead.ToString("c", inv),
            ["resolveShare"] = o.ResolveShare.ToString(inv),
            ["seed"] = o.Seed.ToString(inv),
            ["ordered"] = o.Ordered ? "per case" : "no",
        };
        if (o.Scenario == Scenario.Ramp)
        {
            settings["stepSeconds"] = o.RampStepSeconds.ToString(inv);
            settings["p99LimitMs"] = o.P99LimitMs.ToString(inv);
        }

        if (o.Scenario == Scenario.Deadlines)
        {
            settings["batons"] = o.Batons.ToString(inv);
            settings["spreadSeconds"] = o.DeadlineSpreadSeconds.ToString(inv);
        }

        if (o.Ceiling) settings["ceilingSeconds"] = o.CeilingSeconds.ToString(inv);
        return settings;
    }

    /// <summary>The parts of <c>GET /api/v1/board</c> the report reads.</summary>
    private sealed record FloorFigures(long EventsTotal, long OpenCases, long BatonsInFlight);
}
