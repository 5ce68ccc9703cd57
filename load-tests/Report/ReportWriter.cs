using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using TopOfHeart.LoadTests.Hosting;
using TopOfHeart.LoadTests.Measure;

namespace TopOfHeart.LoadTests.Report;

/// <summary>Writes a run as <c>&lt;name&gt;-&lt;utc&gt;.md/.json</c> with its SVG charts, and the same again as <c>latest-&lt;name&gt;.*</c>.</summary>
public static class ReportWriter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static IReadOnlyList<string> Write(RunReport report, string directory)
    {
        Directory.CreateDirectory(directory);
        var name = report.Smoke ? "smoke" : report.Scenario;
        var stamp = report.StartedUtc.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var written = new List<string>();
        foreach (var prefix in new[] { $"{name}-{stamp}", $"latest-{name}" })
        {
            var charts = new Dictionary<string, string>
            {
                ["latency"] = $"{prefix}-latency.svg",
                ["throughput"] = $"{prefix}-throughput.svg",
                ["resources"] = $"{prefix}-resources.svg",
            };
            File.WriteAllText(Path.Combine(directory, charts["latency"]), LatencyChart(report).Render());
            File.WriteAllText(Path.Combine(directory, charts["throughput"]), ThroughputChart(report).Render());
            File.WriteAllText(Path.Combine(directory, charts["resources"]), ResourceChart(report).Render());
            File.WriteAllText(Path.Combine(directory, $"{prefix}.json"), JsonSerializer.Serialize(report, Json));
            File.WriteAllText(Path.Combine(directory, $"{prefix}.md"), Markdown(report, charts));
            written.Add(Path.Combine(directory, $"{prefix}.md"));
        }

        return written;
    }

    private static SvgChart LatencyChart(RunReport r)
    {
        var chart = new SvgChart
        {
            Title = $"{Title(r)}: latency by percentile",
            XLabel = "percentile",
            YLabel = "milliseconds",
            XTicks = SvgChart.PercentileTicks,
        };
        var i = 0;
        foreach (var (name, points) in r.Distributions)
        {
            chart.Series.Add(new Series(name, points.Select(p => (SvgChart.PercentileX(p.Percentile), p.Ms)).ToList(), SvgChart.Palette[i++ % SvgChart.Palette.Length]));
        }

        return chart;
    }

    private static SvgChart ThroughputChart(RunReport r)
    {
        var chart = new SvgChart
        {
            Title = $"{Title(r)}: events/s accepted over time",
            XLabel = "seconds since the run started",
            YLabel = "events per second",
            RightLabel = "p99 ingest latency (ms)",
        };
        var phases = r.Timeline.Select(p => PhaseGroup(p.Phase)).Distinct().ToList();
        var i = 0;
        foreach (var phase in phases)
        {
            var points = r.Timeline.Where(p => PhaseGroup(p.Phase) == phase).ToList();
            var color = SvgChart.Palette[i++ % SvgChart.Palette.Length];
            chart.Series.Add(new Series($"{phase} accepted", points.Select(p => ((double)p.Second, (double)p.AcceptedEvents)).ToList(), color));
            if (points.Any(p => p.OfferedPerSecond > 0))
                chart.Series.Add(new Series($"{phase} offered", points.Where(p => p.OfferedPerSecond > 0).Select(p => ((double)p.Second, p.OfferedPerSecond)).ToList(), color, Dashed: true));
        }

        chart.Series.Add(new Series("p99", r.Timeline.Where(p => PhaseGroup(p.Phase) != "ceiling").Select(p => ((double)p.Second, p.P99Ms)).ToList(), "#999999", RightAxis: true));
        return chart;
    }

    private static SvgChart ResourceChart(RunReport r)
    {
        var chart = new SvgChart
        {
            Title = $"{Title(r)}: memory and CPU",
            XLabel = "seconds since the run started",
            YLabel = "RSS (MiB)",
            RightLabel = "CPU (% of one core)",
        };
        var i = 0;
        foreach (var process in r.Resources.Select(s => s.Process).Distinct())
        {
            var samples = r.Resources.Where(s => s.Process == process).ToList();
            var color = SvgChart.Palette[i++ % SvgChart.Palette.Length];
            if (process != ProcessSampler.Machine)
                chart.Series.Add(new Series($"{process} RSS", samples.Select(s => (s.AtSeconds, s.RssBytes / 1048576.0)).ToList(), color));
            chart.Series.Add(new Series($"{process} CPU", samples.Select(s => (s.AtSeconds, s.CpuPercent)).ToList(), color, RightAxis: true, Dashed: true));
        }

        return chart;
    }

    // Ramp steps are one series.
    private static string PhaseGroup(string phase) => phase.StartsWith("step", StringComparison.Ordinal) ? "silo" : phase;

    private static string Title(RunReport r) => r.Smoke ? "smoke" : r.Scenario;

    private static string Markdown(RunReport r, Dictionary<string, string> charts)
    {
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        md.AppendLine(inv, $"# Load test: {Title(r)} — {(r.Passed ? "passed" : "FAILED")}");
        md.AppendLine();
        md.AppendLine(inv, $"Run `{r.RunId}` started {r.StartedUtc:yyyy-MM-dd HH:mm:ss} UTC, {r.DurationSeconds:0} s in all, on {r.Machine.Cores} cores / {r.Machine.MemoryGiB:0} GiB ({r.Machine.Os}, {r.Machine.Runtime}).");
        md.AppendLine("Generator, silo" + (r.Settings.GetValueOrDefault("subscribers", "0") != "0" ? ", LiveBoard" : "") + " and ceiling endpoint share this machine; every address is loopback.");
        md.AppendLine();
        md.AppendLine("Settings: " + string.Join(", ", r.Settings.Select(kv => $"`{kv.Key}={kv.Value}`")));
        md.AppendLine();

        if (r.Problems.Count > 0)
        {
            md.AppendLine("## Problems");
            md.AppendLine();
            foreach (var p in r.Problems) md.AppendLine(inv, $"- {p}");
            md.AppendLine();
        }

        md.AppendLine("## Targets");
        md.AppendLine();
        md.AppendLine("| target | goal | measured | met |");
        md.AppendLine("|---|---|---|---|");
        foreach (var t in r.Targets) md.AppendLine(inv, $"| {t.Target} | {t.Goal} | {t.Measured} | {(t.Met is null ? "not measured here" : t.Met.Value ? "yes" : "**no**")} |");
        md.AppendLine();

        md.AppendLine("## Ingest");
        md.AppendLine();
        md.AppendLine("| phase | offered ev/s | seconds | events sent | accepted | accepted ev/s | p50 ms | p99 ms | max ms | requests | failed |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var p in (r.Ceiling is null ? [] : new[] { r.Ceiling }).Concat(r.Phases))
        {
            md.AppendLine(inv, $"| {p.Phase} | {(p.OfferedPerSecond > 0 ? p.OfferedPerSecond.ToString("0", inv) : "max")} | {p.Seconds:0.0} | {p.EventsSent:N0} | {p.EventsAccepted:N0} | {p.AcceptedPerSecond:N0} | {p.Latency.P50:0.0} | {p.Latency.P99:0.0} | {p.Latency.Max:0.0} | {p.Requests:N0} | {p.FailedRequests} |");
        }

        md.AppendLine();
        if (r.CeilingRatio is { } ratio) md.AppendLine(inv, $"Silo ÷ ceiling (events/s accepted, same run, same generator and batches): **{ratio:0.00}**.");
        if (r.RampHighestHeldRate is { } held) md.AppendLine(inv, $"Highest rate held with p99 ≤ {r.Settings.GetValueOrDefault("p99LimitMs")} ms: **{held:N0} events/s**.");
        if (r.Events is { } ev)
        {
            md.AppendLine();
            md.AppendLine($"Events: {ev.Sent:N0} sent, {ev.Accepted:N0} accepted, {ev.Duplicates} duplicates, {ev.Rejected} rejected, {ev.Lost} lost; {ev.RetriedRequests} requests retried after 429/503, {ev.RetriedEvents} events sent again after \"retry the event\", {ev.FailedRequests} failed" +
                (ev.ServerEventsTotal is { } total ? $"; the silo's board counts {total:N0} applied." : "."));
        }

        md.AppendLine();
        md.AppendLine(inv, $"![latency]({charts["latency"]})");
        md.AppendLine();
        md.AppendLine(inv, $"![throughput]({charts["throughput"]})");
        md.AppendLine();

        if (r.Ramp is { } steps)
        {
            md.AppendLine("## Ramp");
            md.AppendLine();
            md.AppendLine("| offered ev/s | accepted ev/s | p50 ms | p99 ms | max ms | silo CPU % | held | why |");
            md.AppendLine("|---|---|---|---|---|---|---|---|");
            foreach (var s in steps)
                md.AppendLine(inv, $"| {s.OfferedPerSecond:N0} | {s.AcceptedPerSecond:N0} | {s.Latency.P50:0.0} | {s.Latency.P99:0.0} | {s.Latency.Max:0.0} | {s.SiloCpuPercent:0} | {(s.Held ? "yes" : "no")} | {s.Why} |");
            md.AppendLine();
        }

        if (r.Detection is { } d)
        {
            md.AppendLine("## Detection");
            md.AppendLine();
            md.AppendLine(inv, $"Expected alerts come from the relay core (`CaseRelay`) fed the same events with the silo's settings; observed: {d.Source}.");
            md.AppendLine();
            md.AppendLine(inv, $"**Recall {d.Recall:P2}, precision {d.Precision:P2}** — {d.Expected} expected ({d.Planted} planted), {d.Observed} observed, {d.Matched} matched.");
            md.AppendLine();
            md.AppendLine("| kind | expected | found | missing | false |");
            md.AppendLine("|---|---|---|---|---|");
            foreach (var k in d.ByKind) md.AppendLine(inv, $"| {k.Kind} | {k.Expected} | {k.Found} | {k.Missing} | {k.False} |");
            md.AppendLine();
            if (d.MissingExamples.Count > 0) md.AppendLine("Missing, e.g.: " + string.Join(", ", d.MissingExamples.Select(x => $"`{x}`")));
            if (d.FalseExamples.Count > 0) md.AppendLine("False, e.g.: " + string.Join(", ", d.FalseExamples.Select(x => $"`{x}`")));
            if (d.Boards is { } b)
            {
                md.AppendLine();
                md.AppendLine(inv, $"Boards: {b.Boards} SignalR subscribers; {b.ExpectedDeliveries:N0} raised alerts owed, {b.Delivered:N0} delivered, {b.Missing} missing, {b.Duplicates} duplicates, {b.Unexpected} to the wrong board or unexpected; {b.Updates:N0} alert updates, {b.Snapshots:N0} `board` snapshots.");
            }

            if (d.GeneratorSelfCheck.Count > 0) md.AppendLine("Generator self-check (the relay core disagrees with the plan): " + string.Join("; ", d.GeneratorSelfCheck));
            md.AppendLine();
        }

        if (r.AlertLatency is { } a)
        {
            md.AppendLine("## Alert latency");
            md.AppendLine();
            md.AppendLine("| measured | count | p50 ms | p99 ms | max ms |");
            md.AppendLine("|---|---|---|---|---|");
            Row(md, "ingest → `alertRaised` at a board (request sent → received; a chase from the end of its reorder grace)", a.IngestToAlertAtBoard);
            Row(md, "deadline (`dueAt`) → `alertRaised` at a board", a.DeadlineToAlertAtBoard);
            Row(md, "deadline (`dueAt`) → `raisedAt` in the silo", a.DeadlineToRaisedInSilo);
            Row(md, "`raisedAt` in the silo → `alertRaised` at a board (the fan-out)", a.RaisedInSiloToBoard);
            md.AppendLine();
        }

        if (r.Memory is not null || r.Cpu is not null)
        {
            md.AppendLine("## Memory and CPU");
            md.AppendLine();
            if (r.Memory is { } mem)
            {
                md.AppendLine($"Silo RSS {mem.SiloRssBaselineMiB:0} MiB before the load, {mem.SiloRssEndMiB:0} MiB at the end (peak {mem.SiloRssPeakMiB:0} MiB) with {mem.OpenCases:N0} open cases and {mem.BatonsInFlight:N0} batons in flight ({mem.CasesStarted:N0} cases told)." +
                    (mem.KiBPerCase is { } told ? $" {told:0.0} KiB per case told (open or resolved)." : "") +
                    (mem.KiBPerOpenCase is { } per ? $" **{per:0.0} KiB per open case**; at that rate 200,000 open cases take about {mem.ProjectedRssAt200kOpenCasesMiB:0} MiB." : "") +
                    (mem.SiloManagedHeapEndMiB is { } heap ? $" Of the RSS at the end, the managed heap after the silo's last collection was {heap:0} MiB (GC committed {mem.SiloGcCommittedEndMiB:0} MiB)." : "") +
                    (mem.CasesInMemoryEnd is { } live
                        ? $" In memory at the end: {live:N0} cases and {mem.CustomersInMemoryEnd:N0} customers; the rest are put away (idle or resolved) as {mem.StoredSnapshotsEnd:N0} stored snapshots."
                        : ""));
            }

            if (r.Cpu is { } c)
            {
                md.AppendLine();
                md.AppendLine(inv, $"CPU during the load (100 % = one core, the machine has {r.Machine.Cores}): silo {c.SiloAvgPercent:0} % average (peak {c.SiloPeakPercent:0} %), LiveBoard {c.LiveBoardAvgPercent:0} %, generator {c.GeneratorAvgPercent:0} %, machine {c.MachineAvgPercent:0} %, of which other processes {c.OtherProcessesAvgPercent:0} %. Load average before the run {c.LoadAverageBefore}, after {c.LoadAverageAfter}.");
            }

            if (r.Gc is { } gc)
            {
                md.AppendLine();
                md.AppendLine(inv, $"Silo GC during the load: {gc.Gen0Collections:N0} collections ({gc.Gen1Collections:N0} of them gen 1 or older, {gc.Gen2Collections:N0} gen 2), {gc.PausedMs:N0} ms paused in all ({gc.PausedPercent:0.0} % of the load time, {(gc.Gen0Collections > 0 ? gc.PausedMs / gc.Gen0Collections : 0):0.0} ms a collection on average); young-generation budget at most {(gc.Gen0MaxBudgetBytes is { } b ? $"{b / (1024.0 * 1024):0.#} MiB a heap" : "unknown")} (`GCGen0MaxBudget`).");
                if (gc.Young is { } y)
                {
                    md.AppendLine();
                    md.AppendLine(inv, $"Young collections sampled from `/health` twice a second (a sample, not a count): {Young("gen 0", y.Gen0Sampled, y.Gen0PromotedMedianMiB, y.Gen0PauseMedianMs)}; {Young("gen 1", y.Gen1Sampled, y.Gen1PromotedMedianMiB, y.Gen1PauseMedianMs)}. What a collection promotes is what it found alive and copied up a generation: a pause that grows with it is live state being copied.");
                }
            }

            md.AppendLine();
            md.AppendLine(inv, $"![resources]({charts["resources"]})");
            md.AppendLine();
        }

        if (r.Notes.Count > 0)
        {
            md.AppendLine("## Notes");
            md.AppendLine();
            foreach (var n in r.Notes) md.AppendLine(inv, $"- {n}");
        }

        return md.ToString();
    }

    private static string Young(string generation, int sampled, double? promotedMiB, double? pauseMs) =>
        sampled == 0
            ? $"no {generation} collection seen"
            : string.Create(CultureInfo.InvariantCulture,
                $"{sampled:N0} {generation} collection{(sampled == 1 ? "" : "s")} seen, median {promotedMiB:0.#} MiB promoted and {pauseMs:0} ms paused");

    private static void Row(StringBuilder md, string name, LatencySummary s) =>
        md.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {s.Count:N0} | {s.P50:0.0} | {s.P99:0.0} | {s.Max:0.0} |");
}
