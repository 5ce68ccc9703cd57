using System.Net;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using TopOfHeart.Contracts.Alerts;
using TopOfHeart.LiveBoard.Tests.Support;

namespace TopOfHeart.LiveBoard.Tests;

/// <summary>Issue 6: <c>TopOfHeart:Auth:Keys</c> on the hub and the page, security headers and limits.</summary>
[Collection(KeyedClusterCollection.Name)]
public sealed class BoardAccessTests(KeyedClusterFixture keyed, ITestOutputHelper output)
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Negotiate_without_a_key_or_with_a_wrong_one_is_401_and_with_an_ingest_key_403()
    {
        using var http = new HttpClient { BaseAddress = keyed.Board.BaseAddress };
        Assert.Equal(HttpStatusCode.Unauthorized, (await Negotiate(http, null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Negotiate(http, "not-a-key-" + Guid.NewGuid())).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Negotiate(http, keyed.Ingest)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Negotiate(http, keyed.Viewer)).StatusCode);

        // The SignalR client reports the same.
        var none = await Assert.ThrowsAsync<HttpRequestException>(() => BoardClient.ConnectAsync(keyed.Board.Hub));
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        var wrong = await Assert.ThrowsAsync<HttpRequestException>(() => BoardClient.ConnectAsync(keyed.Board.Hub, key: keyed.Viewer + "x"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        var ingest = await Assert.ThrowsAsync<HttpRequestException>(() => BoardClient.ConnectAsync(keyed.Board.Hub, key: keyed.Ingest));
        Assert.Equal(HttpStatusCode.Forbidden, ingest.StatusCode);

        // The page itself needs no key and says it will ask for one; whoami answers as the hub does.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/")).StatusCode);
        Assert.Contains("\"authRequired\":true", await http.GetStringAsync("config.json"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await WhoAmI(http, null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await WhoAmI(http, keyed.Ingest)).StatusCode);
        var scoped = await WhoAmI(http, keyed.DepartmentSupervisor);
        Assert.Equal($"{{\"role\":\"supervisor\",\"department\":\"{keyed.Department}\"}}", await scoped.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_viewer_gets_alerts_and_the_open_list_but_may_not_acknowledge()
    {
        var (from, to) = (Dept("Sales"), Dept("Support"));
        await using var viewer = await BoardClient.ConnectAsync(keyed.Board.Hub, key: keyed.Viewer);
        var (e, alertId) = Ev.DroppedBaton(from, to);
        await ClusterFixture.PostAsync(keyed.Silo, e);

        await viewer.WaitForAsync("alertRaised", alertId, Second);
        Assert.Contains(await viewer.GetOpenAlertsAsync(to), a => a.AlertId == alertId);
        await viewer.WaitForSnapshotAsync(TimeSpan.FromSeconds(3), _ => true);

        var refused = await Assert.ThrowsAsync<HubException>(() => viewer.Connection.InvokeAsync<Alert>("Acknowledge", alertId, "sup-viewer"));
        Assert.StartsWith("forbidden:", Message(refused), StringComparison.Ordinal);
        output.WriteLine(refused.Message);
        Assert.Equal(AlertStatus.Open, (await viewer.GetOpenAlertsAsync(to)).Single(a => a.AlertId == alertId).Status);
    }

    [Fact]
    public async Task A_department_supervisor_receives_hydrates_and_acknowledges_only_its_department()
    {
        var own = keyed.Department;
        var other = Dept("Support");
        await using var scoped = await BoardClient.ConnectAsync(keyed.Board.Hub, key: keyed.DepartmentSupervisor);
        await using var floor = await BoardClient.ConnectAsync(keyed.Board.Hub, key: keyed.Supervisor);
        await scoped.Connection.InvokeAsync("Subscribe", (string?)null); // "everything" means its department

        var (toOwn, ownAlert) = Ev.DroppedBaton(Dept("Sales"), own);
        var (toOther, otherAlert) = Ev.DroppedBaton(Dept("Sales"), other);
        await ClusterFixture.PostAsync(keyed.Silo, toOwn, toOther);

        await scoped.WaitForAsync("alertRaised", ownAlert, Second);
        await floor.WaitForAsync("alertRaised", otherAlert, Second);
        await Task.Delay(500); // room for a wrongly routed copy
        Assert.All(scoped.Alerts, r => Assert.Equal(own, r.Value.Department));

        var refusedSubscribe = await Assert.ThrowsAsync<HubException>(() => scoped.Connection.InvokeAsync("Subscribe", other));
        Assert.StartsWith("forbidden:", Message(refusedSubscribe), StringComparison.Ordinal);

        var hydrated = await scoped.GetOpenAlertsAsync(null);
        Assert.Contains(hydrated, a => a.AlertId == ownAlert);
        Assert.All(hydrated, a => Assert.Equal(own, a.Department));
        await Assert.ThrowsAsync<HubException>(() => scoped.GetOpenAlertsAsync(other));

        var refusedAck = await Assert.ThrowsAsync<HubException>(() => scoped.Connection.InvokeAsync<Alert>("Acknowledge", otherAlert, "sup-billing"));
        Assert.StartsWith("forbidden:", Message(refusedAck), StringComparison.Ordinal);
        var acknowledged = await scoped.Connection.InvokeAsync<Alert>("Acknowledge", ownAlert, "sup-billing");
        Assert.Equal(AlertStatus.Acknowledged, acknowledged.Status);

        // An unscoped supervisor sees and acts on every department.
        Assert.Contains(await floor.GetOpenAlertsAsync(null), a => a.AlertId == otherAlert);
        Assert.Equal(AlertStatus.Acknowledged, (await floor.Connection.InvokeAsync<Alert>("Acknowledge", otherAlert, "sup-floor")).Status);
        await scoped.WaitForAsync("alertUpdated", ownAlert, Second);
        await Task.Delay(300);
        Assert.DoesNotContain(scoped.Alerts, r => r.Value.AlertId == otherAlert);
    }

    [Fact]
    public async Task SubscribeInBatches_holds_a_key_to_its_scope_as_Subscribe_does()
    {
        var own = keyed.Department;
        var other = Dept("Support");
        await using var scoped = await BoardClient.ConnectAsync(keyed.Board.Hub, key: keyed.DepartmentSupervisor, batched: true); // "everything": its department
        await using var viewer = await BoardClient.ConnectAsync(keyed.Board.Hub, other, key: keyed.Viewer, batched: true);

        var refused = await Assert.ThrowsAsync<HubException>(() => scoped.Connection.InvokeAsync("SubscribeInBatches", other));
        Assert.StartsWith("forbidden:", Message(refused), StringComparison.Ordinal);

        var (toOwn, ownAlert) = Ev.DroppedBaton(Dept("Sales"), own);
        var (toOther, otherAlert) = Ev.DroppedBaton(Dept("Sales"), other);
        await ClusterFixture.PostAsync(keyed.Silo, toOwn, toOther);

        await scoped.WaitForBatchAsync("alertsRaised", ownAlert, Second);
        await viewer.WaitForBatchAsync("alertsRaised", otherAlert, Second);
        await Task.Delay(500); // room for a wrongly routed copy
        Assert.All(scoped.Batches.SelectMany(r => r.Value), a => Assert.Equal(own, a.Department));
        Assert.All(viewer.Batches.SelectMany(r => r.Value), a => Assert.Equal(other, a.Department));
        Assert.Empty(scoped.Alerts);
        Assert.Empty(viewer.Alerts);

        // Batches or not, a viewer still may not acknowledge.
        var refusedAck = await Assert.ThrowsAsync<HubException>(() => viewer.Connection.InvokeAsync<Alert>("Acknowledge", otherAlert, "sup-viewer"));
        Assert.StartsWith("forbidden:", Message(refusedAck), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_holds_at_most_MaxConnectionsPerKey_connections()
    {
        var open = new List<BoardClient>();
        try
        {
            for (var i = 0; i < KeyedClusterFixture.MaxConnectionsPerKey; i++)
                open.Add(await BoardClient.ConnectAsync(keyed.Board.Hub, key: keyed.Crowd));

            // Negotiate refuses with the reason ...
            var refused = await Assert.ThrowsAsync<HttpRequestException>(() => BoardClient.ConnectAsync(keyed.Board.Hub, key: keyed.Crowd));
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            using var http = new HttpClient { BaseAddress = keyed.Board.BaseAddress };
            var body = await (await Negotiate(http, keyed.Crowd)).Content.ReadAsStringAsync();
            Assert.Contains("MaxConnectionsPerKey", body, StringComparison.Ordinal);

            // ... and so does the hub, for a client that skips negotiate.
            var closed = await RefusedOnConnectAsync(keyed.Crowd);
            Assert.Contains("refused:", closed, StringComparison.Ordinal);

            // Other keys are not affected, and a freed place can be taken again.
            await using (await BoardClient.ConnectAsync(keyed.Board.Hub, key: keyed.Viewer))
            {
            }

            await open[0].DisposeAsync();
            open.RemoveAt(0);
            await Task.Delay(200);
            open.Add(await BoardClient.ConnectAsync(keyed.Board.Hub, key: keyed.Crowd));
        }
        finally
        {
            foreach (var client in open) await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_page_has_a_content_security_policy_and_no_inline_script_or_style()
    {
        using var http = new HttpClient { BaseAddress = keyed.Board.BaseAddress };
        using var page = await http.GetAsync("/");
        var csp = string.Join(" ", page.Headers.GetValues("Content-Security-Policy"));
        output.WriteLine(csp);
        Assert.Contains("default-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", string.Join("", page.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", string.Join("", page.Headers.GetValues("Referrer-Policy")));

        var html = await page.Content.ReadAsStringAsync();
        Assert.DoesNotMatch(@"<script(?![^>]*\bsrc=)", html);
        Assert.DoesNotContain("<style", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" style=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("data:", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keys_never_appear_in_the_logs_even_in_the_access_token_query()
    {
        using var http = new HttpClient { BaseAddress = keyed.Board.BaseAddress };
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync($"hubs/board/negotiate?negotiateVersion=1&access_token={keyed.Viewer}", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.PostAsync($"hubs/board/negotiate?negotiateVersion=1&access_token={keyed.Ingest}", null)).StatusCode);

        // A WebSocket with the key in the query, as the browser's SignalR client opens it.
        using (var socket = new ClientWebSocket())
        {
            var ws = new UriBuilder(keyed.Board.Hub) { Scheme = "ws", Query = $"access_token={keyed.Supervisor}" }.Uri;
            await socket.ConnectAsync(ws, CancellationToken.None);
            await socket.SendAsync(Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e"), WebSocketMessageType.Text, true, CancellationToken.None);
            var buffer = new byte[4096];
            var handshake = await socket.ReceiveAsync(buffer, CancellationToken.None);
            // The handshake answer is the first record; a board message may follow it in the same frame.
            var received = Encoding.UTF8.GetString(buffer, 0, handshake.Count);
            Assert.Equal("{}", received.Split('\u001e')[0]);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        }

        await using (var client = await BoardClient.ConnectAsync(keyed.Board.Hub, key: keyed.DepartmentSupervisor))
        {
            await Assert.ThrowsAsync<HubException>(() => client.Connection.InvokeAsync<Alert>("Acknowledge", "DroppedBaton:nope", "x"));
        }

        await Task.Delay(300);
        var lines = keyed.Logs.Lines;
        Assert.Contains(lines, l => l.Contains("Request starting", StringComparison.Ordinal) && l.Contains("access_token=***", StringComparison.Ordinal));
        foreach (var key in keyed.AllKeys)
        {
            var leak = lines.FirstOrDefault(l => l.Contains(key, StringComparison.Ordinal));
            Assert.True(leak is null, $"a key was logged: {leak}");
        }

        output.WriteLine($"{lines.Count} log lines captured, none with a key; e.g. {lines.First(l => l.Contains("access_token=***", StringComparison.Ordinal))}");
    }

    private static Task<HttpResponseMessage> Negotiate(HttpClient http, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "hubs/board/negotiate?negotiateVersion=1");
        if (key is not null) request.Headers.Add("X-Api-Key", key);
        return http.SendAsync(request);
    }

    private static Task<HttpResponseMessage> WhoAmI(HttpClient http, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "whoami");
        if (key is not null) request.Headers.Add("X-Api-Key", key);
        return http.SendAsync(request);
    }

    /// <summary>The reason the hub gives when it closes a connection in <c>OnConnectedAsync</c>.</summary>
    private async Task<string> RefusedOnConnectAsync(string key)
    {
        BoardClient? client = null;
        try
        {
            // The client watches for the close from before it starts: the hub may refuse before ConnectAsync returns.
            client = await BoardClient.ConnectAsync(keyed.Board.Hub, key: key, skipNegotiation: true);
            var error = await client.Closed.WaitAsync(TimeSpan.FromSeconds(5));
            return error?.Message ?? "closed without a reason";
        }
        catch (Exception ex) when (ex is not TimeoutException)
        {
            output.WriteLine($"refused at start: {ex.Message}");
            return ex.Message;
        }
        finally
        {
            if (client is not null) await client.DisposeAsync();
        }
    }

    private static string Message(HubException ex) =>
        ex.Message.Contains("HubException: ", StringComparison.Ordinal) ? ex.Message[(ex.Message.IndexOf("HubException: ", StringComparison.Ordinal) + 14)..] : ex.Message;

    private static string Dept(string name) => $"{name}-{Ev.Run}";
}
