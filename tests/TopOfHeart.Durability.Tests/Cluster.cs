using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TopOfHeart.Grains.Relay;

namespace TopOfHeart.Durability.Tests;

/// <summary>
/// Silo processes of one test on one fresh database, all with PostgreSQL storage and clustering. Every process
/// it started is killed when it is disposed, whatever happened in the test.
/// </summary>
public sealed class Cluster : IAsyncDisposable
{
    private readonly List<SiloProcess> _processes = [];
    private readonly ITestOutputHelper _output;
    private readonly Dictionary<string, string> _settings;

    private Cluster(string database, ITestOutputHelper output, Dictionary<string, string> settings)
    {
        Database = database;
        _output = output;
        _settings = settings;
    }

    public string Database { get; }

    /// <summary>The detection settings every silo of this cluster runs with, for the core's predictions.</summary>
    public DetectionSettings Detection { get; private init; } = new();

    public static async Task<Cluster> CreateAsync(
        PostgresServer server, ITestOutputHelper output, TimeSpan handoffAcceptSla, IReadOnlyDictionary<string, string>? extra = null)
    {
        var database = await server.CreateDatabaseAsync();
        var settings = new Dictionary<string, string>
        {
            ["TopOfHeart:Storage"] = "Postgres",
            ["TopOfHeart:Clustering"] = "Postgres",
            ["ConnectionStrings:TopOfHeart"] = database,
            ["TopOfHeart:Orleans:AdvertisedAddress"] = "127.0.0.1",
            ["TopOfHeart:Detection:HandoffAcceptSla"] = handoffAcceptSla.ToString("c"),
            // Long enough never to fire while a test runs.
            ["TopOfHeart:Detection:StallTimeout"] = "01:00:00",
            // The sweep steps in soon, so tests need not wait the production 10 s and 2 s.
            ["TopOfHeart:Recovery:BatchGrace"] = "00:00:02",
            ["TopOfHeart:Recovery:WakeupGrace"] = "00:00:00.500",
            // A dead silo is declared dead within a few seconds, not the default half minute.
            ["TopOfHeart:Orleans:Membership:ProbeTimeout"] = "00:00:01",
            ["TopOfHeart:Orleans:Membership:NumMissedProbesLimit"] = "2",
            ["TopOfHeart:Orleans:Membership:TableRefreshTimeout"] = "00:00:01",
            ["TopOfHeart:Orleans:Membership:IAmAliveTablePublishTimeout"] = "00:00:02",
            ["TopOfHeart:Orleans:Membership:DeathVoteExpirationTimeout"] = "00:00:20",
            ["Logging:Console:TimestampFormat"] = "HH:mm:ss.fff ",
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
            ["Logging:LogLevel:Orleans"] = "Warning",
            ["Logging:LogLevel:Orleans.Runtime.MembershipService"] = "Information",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>()) settings[key] = value;
        return new Cluster(database, output, settings) { Detection = new DetectionSettings { HandoffAcceptSla = handoffAcceptSla, StallTimeout = TimeSpan.FromHours(1) } };
    }

    public IReadOnlyList<SiloProcess> Processes => _processes;

    public async Task<SiloProcess> StartSiloAsync(string name)
    {
        var silo = await SiloProcess.StartAsync(new SiloOptions { Name = name, Settings = _settings });
        _processes.Add(silo);
        _output.WriteLine($"{name}: pid {silo.ProcessId}, {silo.SiloAddress}, healthy {silo.StartedIn.TotalSeconds:F2} s after start; log {silo.LogPath}");
        return silo;
    }

    /// <summary>The same silo (ports, settings) as a new process, after the old one was killed or stopped.</summary>
    public async Task<SiloProcess> RestartAsync(SiloProcess old)
    {
        var silo = await old.StartAgainAsync();
        _processes.Add(silo);
        _output.WriteLine($"{silo.Name} again: pid {silo.ProcessId}, {silo.SiloAddress}, healthy {silo.StartedIn.TotalSeconds:F2} s after start; log {silo.LogPath}");
        return silo;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _processes)
        {
            // Shown when a test fails: CI keeps the test output, not the silos' log files.
            _output.WriteLine($"--- {silo.Name} (pid {silo.ProcessId}): warnings and errors of {silo.LogPath}");
            _output.WriteLine(silo.LogProblems());
            try
            {
                await silo.DisposeAsync();
            }
            catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
            {
                _output.WriteLine($"{silo.Name}: {ex.Message}");
            }
        }
    }
}

/// <summary>The HTTP calls the tests make, and waiting for what the silos do asynchronously.</summary>
public static class Api
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public sealed record IngestAnswer(int Accepted, int Duplicates, JsonElement[] Rejected);

    /// <summary>Posts one request; anything but 202 fails the test with the body.</summary>
    public static async Task<IngestAnswer> PostAsync(SiloProcess silo, IReadOnlyList<WireEvent> events)
    {
        using var response = await silo.Http.PostAsJsonAsync("/api/v1/events", events, Json);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{silo.Name}: POST answered {(int)response.StatusCode}: {body}");
        var answer = JsonSerializer.Deserialize<IngestAnswer>(body, Json)!;
        Assert.True(answer.Rejected.Length == 0, $"{silo.Name}: events rejected: {body}");
        return answer;
    }

    public static async Task<JsonElement> GetAsync(SiloProcess silo, string path)
    {
        using var response = await silo.Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{silo.Name}: GET {path} answered {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<JsonElement>(body);
    }

    public static async Task<JsonElement[]> AlertsAsync(SiloProcess silo, string query = "") =>
        (await GetAsync(silo, $"/api/v1/alerts?limit=1000{query}")).EnumerateArray().ToArray();

    public static string Encode(string id) => Uri.EscapeDataString(id);

    /// <summary>Polls until <paramref name="probe"/> holds; fails with <paramref name="what"/> after <paramref name="within"/>.</summary>
    public static async Task<TimeSpan> EventuallyAsync(Func<Task<bool>> probe, TimeSpan within, string what, int pollMilliseconds = 100)
    {
        var clock = Stopwatch.StartNew();
        Exception? last = null;
        while (true)
        {
            try
            {
                if (await probe()) return clock.Elapsed;
                last = null;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or Xunit.Sdk.XunitException or Npgsql.NpgsqlException)
            {
                last = ex;
            }

            if (clock.Elapsed > within)
                throw new TimeoutException($"Not within {within.TotalSeconds} s: {what}" + (last is null ? "" : $" (last error: {last.Message})"));
            await Task.Delay(pollMilliseconds);
        }
    }
}
