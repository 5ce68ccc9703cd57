using System.Net;
using System.Net.Http.Json;
using TopOfHeart.Testing;
using Xunit;

namespace TopOfHeart.Hardening.Tests;

/// <summary>One silo with every role configured; each test proves one rule of the contract's Auth section.</summary>
public sealed class KeyedSilo : IAsyncLifetime
{
    public const string Ingest = "ingest-key-0123456789";
    public const string Viewer = "viewer-key-0123456789";
    public const string Supervisor = "super-key-0123456789";
    public const string BillingSupervisor = "billing-key-0123456789";

    public LoopbackSilo Silo { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Silo = await LoopbackSilo.StartAsync(new Dictionary<string, string?>
        {
            ["TopOfHeart:Auth:Keys:0:Key"] = Ingest,
            ["TopOfHeart:Auth:Keys:0:Role"] = "ingest",
            ["TopOfHeart:Auth:Keys:1:Key"] = Viewer,
            ["TopOfHeart:Auth:Keys:1:Role"] = "viewer",
            ["TopOfHeart:Auth:Keys:2:Key"] = Supervisor,
            ["TopOfHeart:Auth:Keys:2:Role"] = "supervisor",
            ["TopOfHeart:Auth:Keys:3:Key"] = BillingSupervisor,
            ["TopOfHeart:Auth:Keys:3:Role"] = "supervisor",
            ["TopOfHeart:Auth:Keys:3:Department"] = "Billing",
        }, fakeClock: false);

        // Two dropped batons: one Billing must pick up, one Support must.
        var past = DateTimeOffset.UtcNow.AddMinutes(-3);
        var response = await Send(HttpMethod.Post, "/api/v1/events", Ingest, new object[]
        {
            Handoff("auth-1", "case-auth-billing", "Billing", past),
            Handoff("auth-2", "case-auth-support", "Support", past),
        });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await LoopbackSilo.EventuallyAsync(async () =>
        {
            var all = await (await Send(HttpMethod.Get, "/api/v1/alerts", Viewer)).Content.ReadFromJsonAsync<List<AlertDto>>();
            return all!.Count >= 2 ? all : null;
        }, what: "both DroppedBaton alerts");
    }

    public static object Handoff(string id, string caseId, string to, DateTimeOffset at) => new
    {
        eventId = id,
        type = "handoff.requested",
        occurredAt = at,
        customerId = "c-auth",
        caseId,
        department = "Sales",
        toDepartment = to,
    };

    public Task<HttpResponseMessage> Send(HttpMethod method, string path, string? key, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (key is not null) request.Headers.Add("X-Api-Key", key);
        if (body is not null) request.Content = JsonContent.Create(body);
        return Silo.Http.SendAsync(request);
    }

    public async Task DisposeAsync() => await Silo.DisposeAsync();
}

public sealed record AlertDto(string AlertId, string Department, string Status);

public sealed class AuthTests(KeyedSilo fixture) : IClassFixture<KeyedSilo>
{
    [Theory]
    [InlineData(null)]
    [InlineData("not-a-key-at-all-xxxx")]
    [InlineData("")]
    public async Task Every_api_route_refuses_a_missing_or_wrong_key_with_401(string? key)
    {
        foreach (var (method, path) in new[] { (HttpMethod.Get, "/api/v1/alerts"), (HttpMethod.Get, "/api/v1/board"), (HttpMethod.Get, "/api/v1/cases/case-auth-billing"), (HttpMethod.Post, "/api/v1/events"), (HttpMethod.Post, "/api/v1/alerts/ack") })
        {
            var response = await fixture.Send(method, path, key, method == HttpMethod.Post ? Array.Empty<object>() : null);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    [Fact]
    public async Task Health_needs_no_key()
    {
        Assert.Equal(HttpStatusCode.OK, (await fixture.Send(HttpMethod.Get, "/health", null)).StatusCode);
    }

    [Fact]
    public async Task An_ingest_key_may_post_but_not_read_or_act()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await fixture.Send(HttpMethod.Get, "/api/v1/alerts", KeyedSilo.Ingest)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await fixture.Send(HttpMethod.Post, "/api/v1/alerts/ack", KeyedSilo.Ingest,
            new { alertId = "DroppedBaton:case-auth-billing:auth-1", by = "x" })).StatusCode);
    }

    [Fact]
    public async Task A_viewer_may_read_but_neither_post_nor_act()
    {
        Assert.Equal(HttpStatusCode.OK, (await fixture.Send(HttpMethod.Get, "/api/v1/board", KeyedSilo.Viewer)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await fixture.Send(HttpMethod.Post, "/api/v1/events", KeyedSilo.Viewer,
            new[] { KeyedSilo.Handoff("auth-v", "case-auth-v", "Billing", DateTimeOffset.UtcNow) })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await fixture.Send(HttpMethod.Post, "/api/v1/alerts/resolve", KeyedSilo.Viewer,
            new { alertId = "DroppedBaton:case-auth-billing:auth-1", by = "x" })).StatusCode);
        var aCase = await fixture.Send(HttpMethod.Get, "/api/v1/cases/case-auth-v", KeyedSilo.Viewer);
        Assert.Equal(HttpStatusCode.NotFound, aCase.StatusCode); // the viewer's post was not applied
    }

    [Fact]
    public async Task A_department_supervisor_reads_and_acknowledges_only_its_departments_alerts()
    {
        var mine = await (await fixture.Send(HttpMethod.Get, "/api/v1/alerts", KeyedSilo.BillingSupervisor)).Content.ReadFromJsonAsync<List<AlertDto>>();
        Assert.NotEmpty(mine!);
        Assert.All(mine!, a => Assert.Equal("Billing", a.Department));
        Assert.Equal(HttpStatusCode.Forbidden, (await fixture.Send(HttpMethod.Get, "/api/v1/alerts?department=Support", KeyedSilo.BillingSupervisor)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await fixture.Send(HttpMethod.Get,
            "/api/v1/alerts/" + Uri.EscapeDataString("DroppedBaton:case-auth-support:auth-2"), KeyedSilo.BillingSupervisor)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await fixture.Send(HttpMethod.Post, "/api/v1/alerts/ack", KeyedSilo.BillingSupervisor,
            new { alertId = "DroppedBaton:case-auth-support:auth-2", by = "bill" })).StatusCode);

        var acked = await fixture.Send(HttpMethod.Post, "/api/v1/alerts/ack", KeyedSilo.BillingSupervisor,
            new { alertId = "DroppedBaton:case-auth-billing:auth-1", by = "bill" });
        Assert.Equal(HttpStatusCode.OK, acked.StatusCode);
        Assert.Equal("acknowledged", (await acked.Content.ReadFromJsonAsync<AlertDto>())!.Status);
    }

    [Fact]
    public async Task An_unscoped_supervisor_acts_on_any_department()
    {
        var resolved = await fixture.Send(HttpMethod.Post, "/api/v1/alerts/resolve", KeyedSilo.Supervisor,
            new { alertId = "DroppedBaton:case-auth-support:auth-2", by = "head", resolution = "called the customer" });
        Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
    }
}
