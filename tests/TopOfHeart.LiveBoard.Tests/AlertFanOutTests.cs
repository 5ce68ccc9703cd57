using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Logging.Abstractions;
using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Contracts.Grains;
using TopOfHeart.LiveBoard.Feed;
using TopOfHeart.LiveBoard.Hubs;

namespace TopOfHeart.LiveBoard.Tests;

/// <summary>A board that reads slowly holds up nobody but itself, and every board still gets each alert's changes in order.</summary>
public sealed class AlertFanOutTests
{
    [Fact]
    public async Task A_send_that_never_finishes_does_not_hold_up_the_next_changes()
    {
        var hub = new RecordingHub { Stuck = 1 };
        using var fanOut = new AlertFanOut(hub, EveryAudienceFollowed(), NullLogger<AlertFanOut>.Instance);
        await fanOut.StartAsync(CancellationToken.None);

        await fanOut.OnAlerts([new AlertChange(NewAlert("a-1", "Billing"), Raised: true)]);
        await fanOut.OnAlerts([new AlertChange(NewAlert("a-2", "Sales"), Raised: true), new AlertChange(NewAlert("a-1", "Billing") with { Status = AlertStatus.Acknowledged }, Raised: false)]);

        await hub.WaitForAsync(9);
        Assert.Equal(
            [
                "alertRaised a-1 floor,department:Billing",
                "alertsRaised a-1 batches:floor",
                "alertsRaised a-1 batches:department:Billing",
                "alertRaised a-2 floor,department:Sales",
                "alertUpdated a-1 floor,department:Billing",
                "alertsRaised a-2 batches:floor",
                "alertsUpdated a-1 batches:floor",
                "alertsRaised a-2 batches:department:Sales",
                "alertsUpdated a-1 batches:department:Billing",
            ],
            hub.Sent);
        await fanOut.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_batch_reaches_each_batched_group_as_at_most_one_alertsRaised_then_one_alertsUpdated()
    {
        var hub = new RecordingHub();
        using var fanOut = new AlertFanOut(hub, EveryAudienceFollowed(), NullLogger<AlertFanOut>.Instance);
        await fanOut.StartAsync(CancellationToken.None);

        var acknowledged = NewAlert("a-1", "Billing") with { Status = AlertStatus.Acknowledged };
        await fanOut.OnAlerts(
        [
            new AlertChange(NewAlert("a-1", "Billing"), Raised: true),
            new AlertChange(NewAlert("s-1", "Sales"), Raised: true),
            new AlertChange(NewAlert("u-1", "Support") with { Status = AlertStatus.Acknowledged }, Raised: false),
            new AlertChange(acknowledged, Raised: false),
            new AlertChange(NewAlert("a-2", "Billing"), Raised: true),
            new AlertChange(acknowledged with { Status = AlertStatus.Resolved }, Raised: false),
        ]);

        await hub.WaitForAsync(12);
        await Task.Delay(100); // room for a send too many
        Assert.Equal(
            [
                "alertRaised a-1 floor,department:Billing",
                "alertRaised s-1 floor,department:Sales",
                "alertUpdated u-1 floor,department:Support",
                "alertUpdated a-1 floor,department:Billing",
                "alertRaised a-2 floor,department:Billing",
                "alertUpdated a-1 floor,department:Billing",
                "alertsRaised a-1+s-1+a-2 batches:floor",
                "alertsUpdated u-1+a-1+a-1 batches:floor",
                "alertsRaised a-1+a-2 batches:department:Billing",
                "alertsUpdated a-1+a-1 batches:department:Billing",
                "alertsRaised s-1 batches:department:Sales",
                "alertsUpdated u-1 batches:department:Support",
            ],
            hub.Sent);
        Assert.Equal([AlertStatus.Acknowledged, AlertStatus.Resolved], hub.Updates("batches:department:Billing").Select(a => a.Status));
        await fanOut.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task An_audience_nobody_follows_gets_no_send()
    {
        var hub = new RecordingHub();
        var followers = new BoardFollowers();
        followers.Follow("billing-wall", BoardGroups.For("Billing", batched: true));
        followers.Follow("sales-tablet", BoardGroups.For("Sales"));
        using var fanOut = new AlertFanOut(hub, followers, NullLogger<AlertFanOut>.Instance);
        await fanOut.StartAsync(CancellationToken.None);

        await fanOut.OnAlerts([new AlertChange(NewAlert("a-1", "Billing"), Raised: true), new AlertChange(NewAlert("s-1", "Sales"), Raised: true)]);

        await hub.WaitForAsync(2);
        await Task.Delay(100); // room for a send too many
        Assert.Equal(["alertRaised s-1 sales-tablet", "alertsRaised a-1 billing-wall"], hub.Sent);
        await fanOut.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Unfinished_sends_wait_only_past_the_limit_and_failures_are_reported()
    {
        var failures = new List<Exception>();
        var sends = new OutstandingSends(2, failures.Add);
        var first = new TaskCompletionSource();
        var second = new TaskCompletionSource();

        Assert.True(sends.AddAsync(first.Task).IsCompleted);
        Assert.True(sends.AddAsync(second.Task).IsCompleted);
        var third = sends.AddAsync(new TaskCompletionSource().Task);
        Assert.False(third.IsCompleted);

        first.SetException(new InvalidOperationException("gone"));
        await third;
        Assert.Equal("gone", Assert.Single(failures).Message);
        Assert.Equal(2, sends.Count);

        second.SetResult();
        Assert.True(sends.AddAsync(Task.CompletedTask).IsCompleted);
        Assert.Equal(1, sends.Count);
    }

    /// <summary>One connection follows each audience of the floor and these departments, named after it, so a send reads as its audiences.</summary>
    private static BoardFollowers EveryAudienceFollowed()
    {
        var followers = new BoardFollowers();
        foreach (var department in new string?[] { null, "Billing", "Sales", "Support" })
        {
            foreach (var batched in new[] { false, true })
            {
                var audience = BoardGroups.For(department, batched);
                followers.Follow(audience, audience);
            }
        }

        return followers;
    }

    private static Alert NewAlert(string id, string department) => new()
    {
        AlertId = id,
        Kind = AlertKind.DroppedBaton,
        Severity = Severity.High,
        CaseId = "case-1",
        CustomerId = "c-1",
        Department = department,
        TriggerEventId = "ev-1",
        Message = "test",
    };

    /// <summary>
    /// Records each send as "message ids connections" (a batch's ids joined by +); the first <see cref="Stuck"/> of them never
    /// finish (a board that stopped reading).
    /// </summary>
    private sealed class RecordingHub : IHubContext<BoardHub>, IHubClients
    {
        private readonly Lock _lock = new();
        private readonly List<string> _sent = [];
        private readonly List<(string Groups, IReadOnlyList<Alert> Alerts)> _updates = [];
        private readonly SemaphoreSlim _signal = new(0);

        public int Stuck { get; init; }

        public IReadOnlyList<string> Sent
        {
            get
            {
                lock (_lock) return [.. _sent];
            }
        }

        IHubClients IHubContext<BoardHub>.Clients => this;

        IGroupManager IHubContext<BoardHub>.Groups => throw new NotSupportedException();

        // The feed sends to the connections BoardFollowers lists, never to SignalR groups.
        public IClientProxy Groups(IReadOnlyList<string> groupNames) => throw new NotSupportedException();

        public async Task WaitForAsync(int count)
        {
            while (Sent.Count < count) Assert.True(await _signal.WaitAsync(TimeSpan.FromSeconds(10)), $"only {Sent.Count} of {count} sends");
        }

        /// <summary>The alerts of every <c>alertsUpdated</c> sent to <paramref name="group"/>, in order.</summary>
        public IEnumerable<Alert> Updates(string group)
        {
            lock (_lock) return [.. _updates.Where(b => b.Groups == group).SelectMany(b => b.Alerts)];
        }

        private Task Record(string method, object?[] args, string groups)
        {
            int count;
            lock (_lock)
            {
                var ids = args[0] switch
                {
                    Alert alert => alert.AlertId,
                    IReadOnlyList<Alert> alerts => string.Join('+', alerts.Select(a => a.AlertId)),
                    var other => throw new InvalidOperationException($"{method} sent {other}"),
                };
                if (method == BoardMessages.AlertsUpdated) _updates.Add((groups, [.. (IReadOnlyList<Alert>)args[0]!]));
                _sent.Add($"{method} {ids} {groups}");
                count = _sent.Count;
            }

            _signal.Release();
            return count <= Stuck ? new TaskCompletionSource().Task : Task.CompletedTask;
        }

        public IClientProxy All => throw new NotSupportedException();

        public IClientProxy AllExcept(IReadOnlyList<string> excludedConnectionIds) => throw new NotSupportedException();

        public IClientProxy Client(string connectionId) => throw new NotSupportedException();

        IClientProxy IHubClients<IClientProxy>.Clients(IReadOnlyList<string> connectionIds) => new Proxy(this, string.Join(',', connectionIds));

        public IClientProxy Group(string groupName) => throw new NotSupportedException();

        public IClientProxy GroupExcept(string groupName, IReadOnlyList<string> excludedConnectionIds) => throw new NotSupportedException();

        public IClientProxy User(string userId) => throw new NotSupportedException();

        public IClientProxy Users(IReadOnlyList<string> userIds) => throw new NotSupportedException();

        private sealed class Proxy(RecordingHub hub, string groups) : IClientProxy
        {
            public Task SendCoreAsync(string method, object?[] args, CancellationToken cancellationToken = default) => hub.Record(method, args, groups);
        }
    }
}
