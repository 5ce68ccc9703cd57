namespace TopOfHeart.Silo.Ingestion;

/// <summary><c>TopOfHeart:Ingest</c>: how much ingest work the silo takes on at once.</summary>
public sealed class IngestSettings
{
    public const string Section = "TopOfHeart:Ingest";

    /// <summary>Request bodies being parsed or applied at once, in bytes; past it new requests get 429.</summary>
    public long MaxInFlightBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Requests being handled at once; past it new requests get 429.</summary>
    public int MaxInFlightRequests { get; set; } = 256;

    /// <summary>What a shed request is told to wait, in whole seconds (<c>Retry-After</c>).</summary>
    public int RetryAfterSeconds { get; set; } = 1;

    public IEnumerable<string> Validate()
    {
        if (MaxInFlightBytes < 4L * 1024 * 1024)
            yield return $"{Section}:MaxInFlightBytes must be at least 4194304, one full request (got {MaxInFlightBytes}).";
        if (MaxInFlightRequests < 1)
            yield return $"{Section}:MaxInFlightRequests must be at least 1 (got {MaxInFlightRequests}).";
        if (RetryAfterSeconds is < 1 or > 300)
            yield return $"{Section}:RetryAfterSeconds must be from 1 to 300 (got {RetryAfterSeconds}).";
    }
}

/// <summary>
/// Admission control for ingest: work in flight is bounded in bytes and requests, so when ingest cannot
/// keep up the silo sheds new requests with 429 instead of growing memory without bound. It admits
/// again as soon as work drains; nothing is queued, so nothing acknowledged can pile up.
/// </summary>
public sealed class IngestGate(IngestSettings settings)
{
    private readonly object _gate = new();
    private long _bytes;
    private int _requests;
    private long _shed;

    public int RetryAfterSeconds => settings.RetryAfterSeconds;

    /// <summary>Requests refused since start.</summary>
    public long Shed => Interlocked.Read(ref _shed);

    /// <summary>Admits a request of <paramref name="bytes"/> (its Content-Length, or a full request when unknown); null when shed.</summary>
    public Ticket? TryEnter(long bytes)
    {
        lock (_gate)
        {
            // One request always fits, however large, so a lone big batch is never starved.
            var fits = _requests == 0 || (_requests < settings.MaxInFlightRequests && _bytes + bytes <= settings.MaxInFlightBytes);
            if (!fits)
            {
                _shed++;
                return null;
            }

            _bytes += bytes;
            _requests++;
            return new Ticket(this, bytes);
        }
    }

    private void Leave(long bytes)
    {
        lock (_gate)
        {
            _bytes -= bytes;
            _requests--;
        }
    }

    public sealed class Ticket(IngestGate gate, long bytes) : IDisposable
    {
        private int _left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0) gate.Leave(bytes);
        }
    }
}
