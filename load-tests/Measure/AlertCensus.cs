using System.Net.Http.Json;
using System.Text.Json;
using TopOfHeart.Contracts.Alerts;
using TopOfHeart.LoadTests.Run;

namespace TopOfHeart.LoadTests.Measure;

/// <summary>An alert as <c>GET /api/v1/alerts</c> lists it (the fields the checks read).</summary>
public sealed record ServerAlert(
    string AlertId,
    string Kind,
    string Status,
    string Department,
    string CaseId,
    string TriggerEventId,
    DateTimeOffset RaisedAt,
    DateTimeOffset? DueAt,
    string? Resolution);

/// <summary>What the silo's books hold for this run, read through the public API.</summary>
public sealed class AlertCensus
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Dictionary<string, ServerAlert> Alerts { get; } = new(StringComparer.Ordinal);

    /// <summary>This run's cases all start with it.</summary>
    public string CasePrefix { get; private init; } = "";

    private readonly HashSet<string> _foreign = new(StringComparer.Ordinal);

    /// <summary>Alerts of other runs (a shared database), ignored.</summary>
    public int Foreign => _foreign.Count;

    /// <summary>True when some listing hit the API's 1000 limit even split by kind and department: the census is incomplete.</summary>
    public bool Truncated { get; private set; }

    public int Queries { get; private set; }

    /// <summary>Lists by kind, and by kind and department where a kind alone reaches the limit.</summary>
    public static async Task<AlertCensus> TakeAsync(Uri silo, string casePrefix, IReadOnlyList<string> departments, CancellationToken cancellation)
    {
        Loopback.RequireLoopback(silo);
        using var http = new HttpClient { BaseAddress = silo, Timeout = TimeSpan.FromSeconds(60) };
        var census = new AlertCensus { CasePrefix = casePrefix };
        foreach (var kind in Enum.GetNames<AlertKind>())
        {
            var page = await census.ListAsync(http, $"kind={kind}", cancellation);
            if (page.Count < AlertLimit)
            {
                census.Keep(page, casePrefix);
                continue;
            }

            foreach (var department in departments.Append(""))
            {
                if (department.Length == 0) continue;
                var split = await census.ListAsync(http, $"kind={kind}&department={Uri.EscapeDataString(department)}", cancellation);
                if (split.Count >= AlertLimit) census.Truncated = true;
                census.Keep(split, casePrefix);
            }

            // A department the generator does not know would be missed by the split; the first page still counts.
            census.Keep(page, casePrefix);
        }

        return census;
    }

    public const int AlertLimit = 1000;

    /// <summary>Every alert of one case, for a targeted look when the census is truncated.</summary>
    public static async Task<List<ServerAlert>> OfCaseAsync(HttpClient http, string caseId, CancellationToken cancellation) =>
        await http.GetFromJsonAsync<List<ServerAlert>>($"/api/v1/alerts?caseId={Uri.EscapeDataString(caseId)}&limit={AlertLimit}", Json, cancellation) ?? [];

    private async Task<List<ServerAlert>> ListAsync(HttpClient http, string query, CancellationToken cancellation)
    {
        Queries++;
        return await http.GetFromJsonAsync<List<ServerAlert>>($"/api/v1/alerts?{query}&limit={AlertLimit}", Json, cancellation) ?? [];
    }

    private void Keep(List<ServerAlert> page, string casePrefix)
    {
        foreach (var alert in page)
        {
            if (!alert.CaseId.StartsWith(casePrefix, StringComparison.Ordinal))
            {
                _foreign.Add(alert.AlertId);
                continue;
            }

            Alerts[alert.AlertId] = alert;
        }
    }
}
