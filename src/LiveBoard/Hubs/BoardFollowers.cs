namespace TopOfHeart.LiveBoard.Hubs;

/// <summary>
/// Which board connection follows which audience (a <see cref="BoardGroups"/> name): exactly one each, switched in one
/// step. The alert feed sends to the connections listed here, not to SignalR groups.
/// </summary>
/// <remarks>
/// A connection joined SignalR's floor group as it connected and left it when it subscribed, both while hundreds of
/// other boards did the same. One fan-out run in about forty then delivered every alert twice to two boards, to one of them
/// with every other department's alerts as well: by the counts, each was still in the floor group besides the one it had switched to.
/// Here a switch is one write under a lock, so a connection is never in two audiences, nor in none, and a send reads
/// either the old membership or the new one. Writes (connect, subscribe, disconnect) copy the touched lists; sends, many
/// times more frequent, read a published map without locking.
/// </remarks>
public sealed class BoardFollowers
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _audienceOf = new(StringComparer.Ordinal);
    private Dictionary<string, string[]> _members = new(StringComparer.Ordinal);

    /// <summary>How many connections follow an audience (each follows one): the board connections open now.</summary>
    public int Count
    {
        get
        {
            lock (_gate) return _audienceOf.Count;
        }
    }

    /// <summary>The audience a connection follows; null for one that is not (or no longer) connected.</summary>
    public string? AudienceOf(string connectionId)
    {
        lock (_gate) return _audienceOf.GetValueOrDefault(connectionId);
    }

    /// <summary>From now on <paramref name="connectionId"/> follows <paramref name="audience"/>, and nothing else.</summary>
    public void Follow(string connectionId, string audience)
    {
        lock (_gate)
        {
            var previous = _audienceOf.GetValueOrDefault(connectionId);
            if (previous == audience) return;
            var members = new Dictionary<string, string[]>(_members, StringComparer.Ordinal);
            if (previous is not null) Without(members, previous, connectionId);
            members[audience] = [.. members.GetValueOrDefault(audience) ?? [], connectionId];
            _audienceOf[connectionId] = audience;
            Volatile.Write(ref _members, members);
        }
    }

    /// <summary>The connection has gone: it follows nothing.</summary>
    public void Leave(string connectionId)
    {
        lock (_gate)
        {
            if (!_audienceOf.Remove(connectionId, out var previous)) return;
            var members = new Dictionary<string, string[]>(_members, StringComparer.Ordinal);
            Without(members, previous, connectionId);
            Volatile.Write(ref _members, members);
        }
    }

    /// <summary>The connections following <paramref name="audience"/> now (a list that later changes do not touch).</summary>
    public IReadOnlyList<string> Of(string audience) => Volatile.Read(ref _members).GetValueOrDefault(audience) ?? [];

    /// <summary>The connections following either audience: each connection follows one, so none is listed twice.</summary>
    public IReadOnlyList<string> Of(string first, string second)
    {
        var members = Volatile.Read(ref _members);
        var a = members.GetValueOrDefault(first) ?? [];
        var b = first == second ? [] : members.GetValueOrDefault(second) ?? [];
        if (b.Length == 0) return a;
        if (a.Length == 0) return b;
        return [.. a, .. b];
    }

    private static void Without(Dictionary<string, string[]> members, string audience, string connectionId)
    {
        var left = Array.FindAll(members[audience], id => id != connectionId);
        if (left.Length == 0) members.Remove(audience);
        else members[audience] = left;
    }
}
