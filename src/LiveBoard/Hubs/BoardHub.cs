using Microsoft.AspNetCore.SignalR;
using TopOfHeart.Contracts.Alerts;
using TopOfHeart.Contracts.Grains;
using TopOfHeart.LiveBoard.Configuration;
using TopOfHeart.LiveBoard.Security;

namespace TopOfHeart.LiveBoard.Hubs;

/// <summary>
/// <c>/hubs/board</c>: the contract's client-to-server methods, and <see cref="SubscribeInBatches"/> for a board that
/// takes its alerts in batches (an extension: a client that never calls it sees exactly the contract). Alerts and snapshots are pushed by
/// <see cref="Feed.AlertFanOut"/> and <see cref="Feed.BoardSnapshots"/>, not by the hub.
/// With <c>TopOfHeart:Auth:Keys</c> the endpoint admits viewers and supervisors only (<c>board</c> policy); here a
/// viewer is refused <see cref="Acknowledge"/> and a department supervisor is held to its department.
/// </summary>
public sealed partial class BoardHub(
    IGrainFactory grains, BoardAudience audience, BoardFollowers followers, LiveBoardSettings settings, KeyConnections connections, ILogger<BoardHub> logger) : Hub
{
    public const string Path = "/hubs/board";

    /// <summary>Enough for any wall; a floor with more unresolved alerts has bigger problems than a long list.</summary>
    public const int MaxOpenAlerts = 500;

    private const int MaxIdLength = 128;
    private const string KeyItem = "topofheart.key";

    private BoardCaller Caller => BoardCaller.Of(Context.User, settings.Keys.Count > 0);

    public override async Task OnConnectedAsync()
    {
        var caller = Caller;
        if (!caller.MayRead) throw new HubException("forbidden: this key may not open the board.");
        if (caller.KeyId is { } keyId)
        {
            if (!connections.TryAcquire(keyId)) throw new HubException(connections.Refusal);
            Context.Items[KeyItem] = keyId;
        }

        followers.Follow(Context.ConnectionId, BoardGroups.For(caller.Scope));
        try
        {
            if (audience.LatestSnapshot is { } snapshot) await Clients.Caller.SendAsync(BoardMessages.Board, snapshot);
            await base.OnConnectedAsync();
        }
        catch
        {
            // SignalR calls OnDisconnectedAsync only for a connection whose OnConnectedAsync finished.
            Forget();
            throw;
        }
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        Forget();
        return base.OnDisconnectedAsync(exception);
    }

    /// <summary>The connection no longer counts: out of the audience, its alerts and its key's connection slot.</summary>
    private void Forget()
    {
        followers.Leave(Context.ConnectionId);
        if (Context.Items.TryGetValue(KeyItem, out var key) && key is string keyId) connections.Release(keyId);
    }

    /// <summary>
    /// From now on only <paramref name="department"/>'s alerts; null or empty: the whole floor's (a department
    /// supervisor's: its own department's).
    /// </summary>
    public Task Subscribe(string? department) => FollowAsync(department, batched: false);

    /// <summary>
    /// As <see cref="Subscribe"/>, but the alerts come as <c>alertsRaised(alerts[])</c> and <c>alertsUpdated(alerts[])</c>:
    /// at most one of each per silo batch, instead of one message per change. A wall board in a burst of thousands of
    /// alerts a second then takes one write and renders once per batch. <see cref="Subscribe"/> switches back.
    /// </summary>
    public Task SubscribeInBatches(string? department) => FollowAsync(department, batched: true);

    private Task FollowAsync(string? department, bool batched)
    {
        // One step: a change sent meanwhile reaches the board once, in the old form or the new one.
        followers.Follow(Context.ConnectionId, BoardGroups.For(Scoped(Checked(department, "department")), batched));
        return Task.CompletedTask;
    }

    /// <summary>The alerts still to be dealt with (open or acknowledged), newest first: what a (re)connecting board starts from.</summary>
    public async Task<List<Alert>> GetOpenAlerts(string? department)
    {
        var caller = Caller;
        var scoped = Scoped(Checked(department, "department"));
        var alerts = await AskClusterAsync(nameof(GetOpenAlerts), () => grains.QueryAllBooksAsync(new AlertQuery
        {
            Unresolved = true,
            Department = scoped,
            Limit = MaxOpenAlerts,
        }));
        alerts.RemoveAll(a => !caller.Covers(a.Department));
        return alerts;
    }

    /// <summary>Acknowledges an alert as <paramref name="by"/>; returns it updated. Every board also gets <c>alertUpdated</c>.</summary>
    public async Task<Alert> Acknowledge(string alertId, string by)
    {
        var id = Checked(alertId, "alertId") ?? throw new HubException("alertId is required.");
        var who = Checked(by, "by") ?? throw new HubException("by is required: who acknowledges the alert.");
        var caller = Caller;
        if (!caller.MayAct) throw new HubException("forbidden: a viewer key may not acknowledge alerts; use a supervisor key.");
        if (caller.Scope is { } scope)
        {
            var existing = await AskClusterAsync(nameof(Acknowledge), () => grains.BookFor(id).Get(id)) ?? throw new HubException($"No alert '{id}'.");
            if (!caller.Covers(existing.Department))
                throw new HubException($"forbidden: this key may acknowledge only the {scope} department's alerts.");
        }

        var alert = await AskClusterAsync(nameof(Acknowledge), () => grains.BookFor(id).Acknowledge(id, who));
        return alert ?? throw new HubException($"No alert '{id}'.");
    }

    /// <summary>A department supervisor asking for everything gets its department; for another one, a refusal.</summary>
    private string? Scoped(string? department)
    {
        if (Caller.Scope is not { } scope) return department;
        if (department is null || string.Equals(department, scope, StringComparison.Ordinal)) return scope;
        throw new HubException($"forbidden: this key covers only the {scope} department.");
    }

    private static string? Checked(string? value, string name)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (value.Length > MaxIdLength) throw new HubException($"{name} must be at most {MaxIdLength} characters.");
        return value;
    }

    /// <summary>A cluster that cannot answer becomes a message the page can show, not SignalR's generic error.</summary>
    private async Task<T> AskClusterAsync<T>(string method, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception ex) when (ex is not (HubException or OperationCanceledException or OutOfMemoryException))
        {
            LogClusterCallFailed(logger, method, ex.GetBaseException().Message);
            throw new HubException("The cluster did not answer; try again in a moment.");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} failed: {Reason}")]
    private static partial void LogClusterCallFailed(ILogger logger, string method, string reason);
}
