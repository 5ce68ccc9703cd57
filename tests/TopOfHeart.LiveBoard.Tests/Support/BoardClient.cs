using System.Diagnostics;
using Microsoft.AspNetCore.SignalR.Client;
using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Contracts.Views;

namespace TopOfHeart.LiveBoard.Tests.Support;

/// <summary>A wall board as the .NET SignalR client sees it, over a real socket: every message it got, stamped on arrival.</summary>
internal sealed class BoardClient : IAsyncDisposable
{
    private readonly List<Received<Alert>> _alerts = [];
    private readonly List<Received<Alert[]>> _batches = [];
    private readonly List<Received<BoardSnapshot>> _snapshots = [];

    private BoardClient(HubConnection connection)
    {
        Connection = connection;
        connection.On<Alert>("alertRaised", a => Add(_alerts, new Received<Alert>("alertRaised", a, Stopwatch.GetTimestamp())));
        connection.On<Alert>("alertUpdated", a => Add(_alerts, new Received<Alert>("alertUpdated", a, Stopwatch.GetTimestamp())));
        connection.On<Alert[]>("alertsRaised", a => Add(_batches, new Received<Alert[]>("alertsRaised", a, Stopwatch.GetTimestamp())));
        connection.On<Alert[]>("alertsUpdated", a => Add(_batches, new Received<Alert[]>("alertsUpdated", a, Stopwatch.GetTimestamp())));
        connection.On<BoardSnapshot>("board", s => Add(_snapshots, new Received<BoardSnapshot>("board", s, Stopwatch.GetTimestamp())));

        // Watched from before the start: a server that closes the connection at once may do so before a caller of
        // ConnectAsync could attach a handler, and its reason would be lost.
        connection.Closed += error =>
        {
            _closed.TrySetResult(error);
            return Task.CompletedTask;
        };
    }

    private readonly TaskCompletionSource<Exception?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public HubConnection Connection { get; }

    /// <summary>Completes when the connection closes for good, with the error it closed with (null for none).</summary>
    public Task<Exception?> Closed => _closed.Task;

    /// <summary>The per-alert messages, <c>alertRaised</c> and <c>alertUpdated</c>.</summary>
    public IReadOnlyList<Received<Alert>> Alerts => Copy(_alerts);

    /// <summary>The batched messages, <c>alertsRaised</c> and <c>alertsUpdated</c> (after <c>SubscribeInBatches</c>).</summary>
    public IReadOnlyList<Received<Alert[]>> Batches => Copy(_batches);

    public IReadOnlyList<Received<BoardSnapshot>> Snapshots => Copy(_snapshots);

    /// <param name="department">Calls <c>Subscribe(department)</c> once connected; null stays on the whole floor.</param>
    /// <param name="batched">Calls <c>SubscribeInBatches(department)</c> instead, whether or not a department is given.</param>
    /// <param name="reconnectDelays">Automatic reconnect, as a browser board would; none when null.</param>
    /// <param name="key">A <c>TopOfHeart:Auth:Keys</c> key, sent as SignalR sends an access token.</param>
    /// <param name="skipNegotiation">WebSockets straight away, as a client that never asks negotiate would.</param>
    public static async Task<BoardClient> ConnectAsync(
        Uri hub, string? department = null, TimeSpan[]? reconnectDelays = null, string? key = null, bool skipNegotiation = false, bool batched = false)
    {
        var builder = new HubConnectionBuilder().WithUrl(hub, o =>
        {
            if (key is not null) o.AccessTokenProvider = () => Task.FromResult<string?>(key);
            if (skipNegotiation)
            {
                o.SkipNegotiation = true;
                o.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets;
            }
        });
        if (reconnectDelays is not null) builder.WithAutomaticReconnect(reconnectDelays);
        var client = new BoardClient(builder.Build());
        await client.Connection.StartAsync();
        if (batched) await client.Connection.InvokeAsync("SubscribeInBatches", department);
        else if (department is not null) await client.Connection.InvokeAsync("Subscribe", department);
        return client;
    }

    public Task<List<Alert>> GetOpenAlertsAsync(string? department) =>
        Connection.InvokeAsync<List<Alert>>("GetOpenAlerts", department);

    /// <summary>The first <paramref name="message"/> for <paramref name="alertId"/> matching <paramref name="also"/>, as soon as it is here.</summary>
    public async Task<Received<Alert>> WaitForAsync(string message, string alertId, TimeSpan within, Func<Alert, bool>? also = null)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(within.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var hit = Alerts.FirstOrDefault(r => r.Message == message && r.Value.AlertId == alertId && (also?.Invoke(r.Value) ?? true));
            if (hit is not null) return hit;
            if (Stopwatch.GetTimestamp() > deadline)
                throw new TimeoutException($"No {message} for {alertId} within {within.TotalMilliseconds:0} ms (got {Alerts.Count} alert messages).");
            await Task.Delay(5);
        }
    }

    /// <summary>The first batched <paramref name="message"/> holding <paramref name="alertId"/>, as soon as it is here.</summary>
    public async Task<Received<Alert[]>> WaitForBatchAsync(string message, string alertId, TimeSpan within)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(within.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var hit = Batches.FirstOrDefault(r => r.Message == message && r.Value.Any(a => a.AlertId == alertId));
            if (hit is not null) return hit;
            if (Stopwatch.GetTimestamp() > deadline)
                throw new TimeoutException($"No {message} with {alertId} within {within.TotalMilliseconds:0} ms (got {Batches.Count} batches, {Alerts.Count} alert messages).");
            await Task.Delay(5);
        }
    }

    public async Task<Received<BoardSnapshot>> WaitForSnapshotAsync(TimeSpan within, Func<BoardSnapshot, bool> match)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var hit = Snapshots.LastOrDefault(r => match(r.Value));
            if (hit is not null) return hit;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"No matching board snapshot within {within} (got {Snapshots.Count}).");
            await Task.Delay(20);
        }
    }

    private static void Add<T>(List<T> list, T item)
    {
        lock (list) list.Add(item);
    }

    private static List<T> Copy<T>(List<T> list)
    {
        lock (list) return [.. list];
    }

    public async ValueTask DisposeAsync() => await Connection.DisposeAsync();
}

/// <summary>A message as it arrived; <see cref="At"/> is a <see cref="Stopwatch"/> timestamp.</summary>
internal sealed record Received<T>(string Message, T Value, long At)
{
    public TimeSpan Since(long start) => Stopwatch.GetElapsedTime(start, At);
}
