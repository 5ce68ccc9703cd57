using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;
using TopOfHeart.LoadTests.Hosting;
using TopOfHeart.LoadTests.Measure;

namespace TopOfHeart.LoadTests.Run;

/// <summary>
/// Live progress: a Spectre.Console table refreshed twice a second on a terminal, or a plain line every two
/// seconds when the output is a log (CI).
/// </summary>
public sealed class StatusBoard(Stopwatch runClock, ProcessSampler sampler)
{
    private readonly List<string> _stages = [];

    public string Stage { get; private set; } = "starting";

    public IngestDriver? Driver { get; set; }

    public BoardSubscribers? Boards { get; set; }

    public Traffic.RelayTraffic? Traffic { get; set; }

    public Timeline? Timeline { get; set; }

    public bool Interactive { get; private set; }

    public void Enter(string stage)
    {
        Stage = stage;
        var line = $"[{runClock.Elapsed.TotalSeconds,6:0.0}s] {stage}";
        lock (_stages) _stages.Add(line);
        if (!Interactive) Console.WriteLine(line);
    }

    public async Task<T> RunAsync<T>(bool live, Func<Task<T>> work)
    {
        Interactive = live && AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected;
        using var stop = new CancellationTokenSource();
        if (Interactive)
        {
            T result = default!;
            await AnsiConsole.Live(Render()).AutoClear(false).StartAsync(async ctx =>
            {
                var task = work();
                while (!task.IsCompleted)
                {
                    ctx.UpdateTarget(Render());
                    await Task.WhenAny(task, Task.Delay(500));
                }

                ctx.UpdateTarget(Render());
                result = await task;
            });
            return result;
        }

        var ticker = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(2));
            try
            {
                while (await timer.WaitForNextTickAsync(stop.Token))
                {
                    if (Driver is not null) Console.WriteLine(Line());
                }
            }
            catch (OperationCanceledException)
            {
                // Done.
            }
        });
        try
        {
            return await work();
        }
        finally
        {
            await stop.CancelAsync();
            await ticker;
        }
    }

    private string Line()
    {
        var d = Driver!;
        var last = Timeline?.Last;
        var silo = sampler.Latest("silo");
        // Invariant culture throughout (InvariantGlobalization).
        return
            $"[{runClock.Elapsed.TotalSeconds,6:0.0}s] {Stage}: sent {d.EventsSent:N0}, accepted {d.EventsAccepted:N0}" +
            (last is null ? "" : $", last second {last.AcceptedEvents:N0} ev/s p99 {last.P99Ms:0.0} ms") +
            $", in flight {d.InFlight}" +
            (silo is null ? "" : $", silo {silo.CpuPercent:0}% CPU {silo.RssBytes / 1048576.0:0} MiB") +
            (Boards is null ? "" : $", board deliveries {Boards.Deliveries:N0}");
    }

    private IRenderable Render()
    {
        var inv = CultureInfo.InvariantCulture;
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]Top of Heart load test[/]");
        table.AddColumn("measure");
        table.AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("elapsed", runClock.Elapsed.TotalSeconds.ToString("0.0 s", inv));
        table.AddRow("stage", Markup.Escape(Stage));
        if (Driver is { } d)
        {
            table.AddRow("events sent / accepted", string.Create(inv, $"{d.EventsSent:N0} / {d.EventsAccepted:N0}"));
            if (Timeline?.Last is { } last)
            {
                table.AddRow("last second", string.Create(inv, $"{last.AcceptedEvents:N0} ev/s, p50 {last.P50Ms:0.0} ms, p99 {last.P99Ms:0.0} ms"));
            }

            table.AddRow("requests in flight", d.InFlight.ToString(inv));
            table.AddRow("rejected / lost", string.Create(inv, $"{d.Rejected} / {d.Lost}"));
        }

        if (Traffic is { } t) table.AddRow("stories told / under way", string.Create(inv, $"{t.StoriesStarted:N0} / {t.Active:N0}"));
        foreach (var process in new[] { "silo", "liveboard", ProcessSampler.Generator, ProcessSampler.Machine })
        {
            if (sampler.Latest(process) is not { } s) continue;
            table.AddRow(process, process == ProcessSampler.Machine
                ? string.Create(inv, $"{s.CpuPercent:0} % CPU")
                : string.Create(inv, $"{s.CpuPercent:0} % CPU, {s.RssBytes / 1048576.0:0} MiB"));
        }

        if (Boards is { } b) table.AddRow("board deliveries", string.Create(inv, $"{b.Deliveries:N0} to {b.Boards.Count} subscribers"));
        string[] recent;
        lock (_stages) recent = _stages.TakeLast(6).ToArray();
        return new Rows(table, new Text(string.Join('\n', recent)));
    }
}
