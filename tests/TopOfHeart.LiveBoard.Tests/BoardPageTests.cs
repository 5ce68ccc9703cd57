using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using TopOfHeart.Contracts.Alerts;
using TopOfHeart.LiveBoard.Tests.Support;
using TopOfHeart.Testing;

namespace TopOfHeart.LiveBoard.Tests;

/// <summary>The page at <c>/</c> in a real browser (headless Debian Chromium) against a real LiveBoard and silo.</summary>
[Collection(ClusterCollection.Name)]
public sealed class BoardPageTests(ITestOutputHelper output)
{
    private const string Supervisor = "sup-maria";

    [BrowserFact]
    public async Task The_wall_board_shows_a_new_alert_live_and_a_supervisor_acknowledges_it()
    {
        Assert.True(File.Exists(BrowserFactAttribute.Chromium),
            $"{BrowserFactAttribute.Chromium} is missing; install Debian's browser with: apt-get install -y chromium");
        var script = Path.Combine(Paths.TestProject, "board.browser.mjs");
        Assert.True(File.Exists(Path.Combine(Paths.TestProject, "node_modules", "playwright-core", "package.json")),
            $"playwright-core is not restored: run npm ci in {Paths.TestProject} (the build does it).");

        // Its own silo, so the picture shows a believable floor rather than the other tests' departments.
        await using var silo = await LoopbackSilo.StartAsync(fakeClock: false);
        await using var board = await LoopbackLiveBoard.StartAsync(silo);
        await FloorScene.PlayAsync(silo);

        var (e, alertId) = Ev.DroppedBaton("Sales", "Billing", caseId: "case-4242");
        var eventFile = Path.Combine(Path.GetTempPath(), $"topofheart-board-{Ev.Run}.json");
        await File.WriteAllTextAsync(eventFile, JsonSerializer.Serialize(new[] { e }));
        var screenshot = Paths.Artifacts("screenshots", "liveboard.png");

        using var chatter = new CancellationTokenSource();
        var traffic = KeepTheFloorBusyAsync(silo, chatter.Token);
        try
        {
            var (exit, log) = await RunNodeAsync(script,
                "--board", board.BaseAddress.ToString(), "--ingest", silo.BaseAddress.ToString(), "--event", eventFile,
                "--alert", alertId, "--department", "Billing", "--by", Supervisor, "--screenshot", screenshot);
            output.WriteLine(log);
            Assert.True(exit == 0, $"the browser script failed (exit {exit}):\n{log}");
        }
        finally
        {
            await chatter.CancelAsync();
            await traffic;
            File.Delete(eventFile);
        }

        var stored = await silo.Http.GetFromJsonAsync<Alert>($"/api/v1/alerts/{Uri.EscapeDataString(alertId)}");
        Assert.Equal(AlertStatus.Acknowledged, stored!.Status);
        Assert.Equal(Supervisor, stored.AcknowledgedBy);
        var supervisorView = Path.ChangeExtension(screenshot, null) + "-supervisor.png";
        Assert.True(File.Exists(screenshot) && File.Exists(supervisorView));
        output.WriteLine($"screenshots: {screenshot}, {supervisorView}");
    }

    /// <summary>
    /// 450 batons dropped at once, across departments: the wall shows the 200 most urgent as cards, in order, and its note
    /// and severity counts still cover all 450. (Under the hub's 500-alert listing, so the page's periodic re-read keeps
    /// every one of them.)
    /// </summary>
    [BrowserFact]
    public async Task In_a_storm_of_alerts_the_wall_shows_the_most_urgent_and_counts_them_all()
    {
        const int alerts = 450;
        const int cards = 200;
        var script = Path.Combine(Paths.TestProject, "board.storm.browser.mjs");
        await using var silo = await LoopbackSilo.StartAsync(fakeClock: false);
        await using var board = await LoopbackLiveBoard.StartAsync(silo);

        string[] departments = ["Sales", "Billing", "Support", "Logistics"];
        var events = Enumerable.Range(0, alerts)
            .Select(i => Ev.DroppedBaton(departments[i % departments.Length], departments[(i + 1) % departments.Length]).Event)
            .ToList();
        var eventFile = Path.Combine(Path.GetTempPath(), $"topofheart-storm-{Ev.Run}.json");
        await File.WriteAllTextAsync(eventFile, JsonSerializer.Serialize(events));
        try
        {
            var (exit, log) = await RunNodeAsync(script,
                "--board", board.BaseAddress.ToString(), "--ingest", silo.BaseAddress.ToString(), "--events", eventFile,
                "--expect", alerts.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--shown", cards.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--screenshot", Paths.Artifacts("screenshots", "liveboard-storm.png"));
            output.WriteLine(log);
            Assert.True(exit == 0, $"the storm script failed (exit {exit}):\n{log}");
        }
        finally
        {
            File.Delete(eventFile);
        }
    }

    private static async Task KeepTheFloorBusyAsync(LoopbackSilo silo, CancellationToken stop)
    {
        var random = new Random(7);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var response = await silo.PostEventsAsync(FloorScene.Chatter(random, random.Next(3, 12)));
                await Task.Delay(250, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    internal static async Task<(int Exit, string Log)> RunNodeAsync(string script, params string[] args)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = Paths.TestProject, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        Process node;
        try
        {
            node = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"Cannot run node ({ex.Message}): the browser test needs Node.js on PATH, as the LiveBoard build does.", ex);
        }

        using var _ = node;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await node.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            node.Kill(entireProcessTree: true);
            return (-1, $"timed out after 90 s\n{await stdout}\n{await stderr}");
        }

        return (node.ExitCode, (await stdout) + (await stderr));
    }
}
