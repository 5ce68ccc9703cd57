using System.Net;
using System.Text.Json;
using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Silo.Tests.TestKit;

namespace TopOfHeart.Silo.Tests;

/// <summary>A silo started with every detection setting of the contract's table changed from its default.</summary>
public sealed class ConfiguredSilo : SiloFixture
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["TopOfHeart:Detection:HandoffAcceptSla"] = "00:00:30",
        ["TopOfHeart:Detection:Slas:0:From"] = "Sales",
        ["TopOfHeart:Detection:Slas:0:To"] = "Express",
        ["TopOfHeart:Detection:Slas:0:AcceptWithin"] = "00:00:10",
        ["TopOfHeart:Detection:StallTimeout"] = "00:01:00",
        ["TopOfHeart:Detection:MaxHops"] = "1",
        ["TopOfHeart:Detection:SentimentDrop"] = "0.2",
        ["TopOfHeart:Detection:ReorderGrace"] = "00:00:05",
        ["TopOfHeart:Alerts:EscalateAfter"] = "00:01:00",
    };
}

/// <summary>The settings table: each detection setting changes what the silo raises, and when.</summary>
public sealed class ConfiguredDetectionTests(ConfiguredSilo silo) : IClassFixture<ConfiguredSilo>
{
    private static readonly TimeSpan OneTick = TimeSpan.FromTicks(1);
    private static readonly TimeSpan ReorderGrace = TimeSpan.FromSeconds(5);

    private DateTimeOffset Now => silo.Now;

    private async Task<JsonElement?> AlertAsync(string alertId)
    {
        var reply = await silo.GetAsync($"/api/v1/alerts/{Uri.EscapeDataString(alertId)}");
        return reply.Status == HttpStatusCode.OK ? reply.Json : null;
    }

    private async Task<JsonElement> EventuallyAlertAsync(string alertId, Func<JsonElement, bool>? until = null) =>
        (await silo.EventuallyAsync($"/api/v1/alerts/{Uri.EscapeDataString(alertId)}",
            r => r.Status == HttpStatusCode.OK && (until?.Invoke(r.Json) ?? true), alertId)).Json;

    [Fact]
    public async Task HandoffAcceptSla_sets_when_a_baton_is_dropped_and_a_pair_override_wins_for_its_pair()
    {
        var normal = new Story("sla");
        var express = new Story("pair-sla");
        var t0 = Now;
        var request = normal.Request(t0, "Sales", "Billing");
        var expressRequest = express.Request(t0, "Sales", "Express");
        await silo.IngestAsync(normal.Opened(t0, "Sales"), request, express.Opened(t0, "Sales"), expressRequest);

        silo.Clock.Advance(TimeSpan.FromSeconds(10));
        var expressAlert = await EventuallyAlertAsync(express.AlertId(AlertKind.DroppedBaton, expressRequest));
        Assert.Equal(t0 + TimeSpan.FromSeconds(10), expressAlert.GetProperty("dueAt").GetDateTimeOffset());
        Assert.Null(await AlertAsync(normal.AlertId(AlertKind.DroppedBaton, request)));

        silo.Clock.Advance(TimeSpan.FromSeconds(20));
        var alert = await EventuallyAlertAsync(normal.AlertId(AlertKind.DroppedBaton, request));
        Assert.Equal(t0 + TimeSpan.FromSeconds(30), alert.GetProperty("dueAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task StallTimeout_sets_when_an_accepted_case_counts_as_stalled()
    {
        var s = new Story("stall");
        var accept = s.Accept(Now, "Billing");
        await silo.IngestAsync(s.Opened(Now, "Sales"), s.Request(Now, "Sales", "Billing"), accept);

        silo.Clock.Advance(TimeSpan.FromMinutes(1));

        var alert = await EventuallyAlertAsync(s.AlertId(AlertKind.StalledAfterAccept, accept));
        Assert.Equal("Billing", alert.GetProperty("department").GetString());
    }

    [Fact]
    public async Task MaxHops_sets_which_handoff_request_counts_as_a_ping_pong()
    {
        var s = new Story("hops");
        var first = s.Request(Now, "Sales", "Billing");
        var second = s.Request(Now, "Billing", "Support");
        await silo.IngestAsync(s.Opened(Now, "Sales"), first, s.Accept(Now, "Billing"), second);

        Assert.Null(await AlertAsync(s.AlertId(AlertKind.PingPong, first)));
        var alert = await AlertAsync(s.AlertId(AlertKind.PingPong, second));
        Assert.NotNull(alert);
        Assert.Equal("Billing", alert.Value.GetProperty("department").GetString());
    }

    [Fact]
    public async Task SentimentDrop_sets_how_far_the_mood_may_fall_across_a_handoff()
    {
        var s = new Story("mood");
        var after = s.Interaction(Now, "Billing").With("sentiment", 0.2);
        await silo.IngestAsync(
            s.Opened(Now, "Sales").With("sentiment", 0.5), s.Request(Now, "Sales", "Billing"), s.Accept(Now, "Billing"), after);

        var alert = await AlertAsync(s.AlertId(AlertKind.SentimentDrop, after));

        Assert.NotNull(alert);
        Assert.Equal("Billing", alert.Value.GetProperty("department").GetString());
    }

    [Fact]
    public async Task ReorderGrace_sets_how_long_a_chase_waits_for_an_accept_overtaken_in_transit()
    {
        var s = new Story("grace");
        var contact = s.Contact(Now);
        await silo.IngestAsync(s.Opened(Now, "Sales"), s.Request(Now, "Sales", "Billing"), contact);
        var alertId = s.AlertId(AlertKind.CustomerChasing, contact);

        silo.Clock.Advance(ReorderGrace - OneTick);
        Assert.Null(await AlertAsync(alertId));
        silo.Clock.Advance(OneTick);

        var alert = await EventuallyAlertAsync(alertId);
        Assert.Equal("Billing", alert.GetProperty("department").GetString());
    }

    [Fact]
    public async Task EscalateAfter_sets_when_an_unacknowledged_alert_escalates()
    {
        var s = new Story("escalate");
        var contact = s.Contact(Now);
        await silo.IngestAsync(s.Opened(Now, "Sales"), s.Request(Now, "Sales", "Billing"), contact);
        var alertId = s.AlertId(AlertKind.CustomerChasing, contact);
        silo.Clock.Advance(ReorderGrace);
        Assert.Equal(0, (await EventuallyAlertAsync(alertId)).GetProperty("escalationLevel").GetInt32());

        silo.Clock.Advance(TimeSpan.FromMinutes(1) - OneTick);
        Assert.Equal(0, (await AlertAsync(alertId))!.Value.GetProperty("escalationLevel").GetInt32());
        silo.Clock.Advance(OneTick);

        await EventuallyAlertAsync(alertId, a => a.GetProperty("escalationLevel").GetInt32() == 1);
    }
}
