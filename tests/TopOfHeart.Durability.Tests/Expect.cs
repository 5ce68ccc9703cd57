using System.Text.Json;
using TopOfHeart.Grains.Relay;

namespace TopOfHeart.Durability.Tests;

/// <summary>Compares what a silo answers with what the relay core predicts.</summary>
public static class Expect
{
    public static string? Text(this JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind != JsonValueKind.Null ? value.ToString() : null;

    public static int Int(this JsonElement element, string property) => element.GetProperty(property).GetInt32();

    public static string[] Strings(this JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Select(item => item.GetString()!).ToArray()
            : [];

    /// <summary>The case view matches the core's: events, status, owner, hops, the legs' outcomes and the alert ids.</summary>
    public static void CaseAsPredicted(CaseRelay predicted, JsonElement view)
    {
        var expected = predicted.ToView();
        var what = $"case {expected.CaseId}";
        Assert.True(expected.EventCount == view.Int("eventCount"), $"{what}: eventCount {view.Int("eventCount")}, core says {expected.EventCount}");
        Assert.True(expected.Status == view.Text("status"), $"{what}: status {view.Text("status")}, core says {expected.Status}");
        Assert.True(expected.Owner == view.Text("owner"), $"{what}: owner {view.Text("owner")}, core says {expected.Owner}");
        Assert.True(expected.HopCount == view.Int("hopCount"), $"{what}: hopCount {view.Int("hopCount")}, core says {expected.HopCount}");
        var legs = view.GetProperty("legs").EnumerateArray().Select(leg => leg.Text("outcome")).ToArray();
        Assert.True(expected.Legs.Select(leg => leg.Outcome).SequenceEqual(legs),
            $"{what}: legs [{string.Join(", ", legs)}], core says [{string.Join(", ", expected.Legs.Select(leg => leg.Outcome))}]");
        var alerts = view.Strings("alertIds").Order(StringComparer.Ordinal).ToArray();
        Assert.True(expected.AlertIds.Order(StringComparer.Ordinal).SequenceEqual(alerts),
            $"{what}: alertIds [{string.Join(", ", alerts)}], core says [{string.Join(", ", expected.AlertIds)}]");
    }

    /// <summary>Every case the core knows is served by <paramref name="silo"/> as predicted (live, or rebuilt from the log).</summary>
    public static async Task CasesAsPredictedAsync(SiloProcess silo, IReadOnlyDictionary<string, CaseRelay> cases)
    {
        foreach (var (caseId, relay) in cases)
        {
            CaseAsPredicted(relay, await Api.GetAsync(silo, $"/api/v1/cases/{Api.Encode(caseId)}"));
        }
    }

    /// <summary>Each customer has applied every event of theirs, once.</summary>
    public static async Task CustomersAsPredictedAsync(SiloProcess silo, Prediction prediction)
    {
        foreach (var (customerId, count) in prediction.CustomerEvents)
        {
            var view = await Api.GetAsync(silo, $"/api/v1/customers/{Api.Encode(customerId)}");
            Assert.True(count == view.Int("eventCount"), $"customer {customerId}: eventCount {view.Int("eventCount")}, posted {count}");
        }
    }

    /// <summary>Waits until toh_alert holds exactly the predicted alerts (one row each: the primary key); fails with the difference.</summary>
    public static async Task StoredAlertsBecomeAsync(string database, IReadOnlySet<string> alertIds, TimeSpan within)
    {
        List<string> stored = [];
        try
        {
            await Api.EventuallyAsync(async () =>
            {
                stored = await Sql.ReadAsync(database, "SELECT alert_id FROM toh_alert", row => row.GetString(0));
                return stored.ToHashSet(StringComparer.Ordinal).SetEquals(alertIds);
            }, within, $"toh_alert holds the {alertIds.Count} alerts the core predicts");
        }
        catch (TimeoutException ex)
        {
            var missing = alertIds.Except(stored).Order().ToList();
            var extra = stored.Except(alertIds).Order().ToList();
            throw new TimeoutException($"{ex.Message}: {missing.Count} missing [{string.Join(", ", missing.Take(12))}], "
                + $"{extra.Count} unexpected [{string.Join(", ", extra.Take(12))}]", ex);
        }
    }

    /// <summary>The alert list of <paramref name="silo"/> shows each predicted alert exactly once, and nothing else.</summary>
    public static async Task AlertListShowsEachOnceAsync(SiloProcess silo, IReadOnlySet<string> alertIds)
    {
        var listed = (await Api.AlertsAsync(silo)).Select(alert => alert.Text("alertId")!).ToList();
        var twice = listed.GroupBy(id => id).Where(group => group.Count() > 1).Select(group => group.Key).ToList();
        Assert.True(twice.Count == 0, $"{silo.Name} lists alerts more than once: {string.Join(", ", twice)}");
        var missing = alertIds.Except(listed).ToList();
        var extra = listed.Except(alertIds).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0,
            $"{silo.Name}: alerts missing [{string.Join(", ", missing.Take(10))}], unexpected [{string.Join(", ", extra.Take(10))}]");
    }
}
