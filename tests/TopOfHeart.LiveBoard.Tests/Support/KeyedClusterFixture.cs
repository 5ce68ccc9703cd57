using TopOfHeart.Testing;

namespace TopOfHeart.LiveBoard.Tests.Support;

/// <summary>
/// A silo and a LiveBoard sharing one <c>TopOfHeart:Auth:Keys</c>: a key per role, a department supervisor, and a
/// viewer key kept for the connection-bound test. Everything the board logs is captured.
/// </summary>
public sealed class KeyedClusterFixture : IAsyncLifetime
{
    public const int MaxConnectionsPerKey = 3;

    private LoopbackSilo? _silo;
    private LoopbackLiveBoard? _board;

    public string Ingest { get; } = NewKey("ingest");

    public string Viewer { get; } = NewKey("viewer");

    public string Supervisor { get; } = NewKey("supervisor");

    public string DepartmentSupervisor { get; } = NewKey("billing-supervisor");

    /// <summary>Only the connection-bound test uses it, so it starts with no connection open.</summary>
    public string Crowd { get; } = NewKey("crowd");

    /// <summary>The department <see cref="DepartmentSupervisor"/> is limited to.</summary>
    public string Department { get; } = "Billing-" + Ev.Run;

    public IReadOnlyList<string> AllKeys => [Ingest, Viewer, Supervisor, DepartmentSupervisor, Crowd];

    public LoopbackSilo Silo => _silo ?? throw new InvalidOperationException("Not started.");

    internal LoopbackLiveBoard Board => _board ?? throw new InvalidOperationException("Not started.");

    internal CapturedLogs Logs { get; } = new();

    public Dictionary<string, string?> Keys()
    {
        var settings = new Dictionary<string, string?>();
        void Add(int i, string key, string role, string? department = null)
        {
            settings[$"TopOfHeart:Auth:Keys:{i}:Key"] = key;
            settings[$"TopOfHeart:Auth:Keys:{i}:Role"] = role;
            if (department is not null) settings[$"TopOfHeart:Auth:Keys:{i}:Department"] = department;
        }

        Add(0, Ingest, "ingest");
        Add(1, Viewer, "viewer");
        Add(2, Supervisor, "supervisor");
        Add(3, DepartmentSupervisor, "supervisor", Department);
        Add(4, Crowd, "viewer");
        return settings;
    }

    public async Task InitializeAsync()
    {
        _silo = await LoopbackSilo.StartAsync(Keys(), fakeClock: false);
        _silo.Http.DefaultRequestHeaders.Add("X-Api-Key", Ingest);
        var board = Keys();
        board["TopOfHeart:LiveBoard:MaxConnectionsPerKey"] = MaxConnectionsPerKey.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // Request logging at its chattiest, to prove the key is masked there.
        board["Logging:LogLevel:Microsoft.AspNetCore"] = "Debug";
        board["Logging:Console:LogLevel:Default"] = "Warning";
        _board = await LoopbackLiveBoard.StartAsync(_silo, settings: board, logs: Logs);
    }

    public async Task DisposeAsync()
    {
        if (_board is not null) await _board.DisposeAsync();
        if (_silo is not null) await _silo.DisposeAsync();
    }

    private static string NewKey(string role) => $"{role}-{Guid.NewGuid():N}";
}

[CollectionDefinition(Name)]
public sealed class KeyedClusterCollection : ICollectionFixture<KeyedClusterFixture>
{
    public const string Name = "LiveBoard with keys on a real silo";
}
