namespace TopOfHeart.Grains.Hosting;

/// <summary>
/// How many cases and customers this silo holds in memory right now, counted as they activate and are put away.
/// <c>GET /health</c> reports it, so a load test can show idle and resolved grains giving their memory back.
/// </summary>
public sealed class GrainCensus
{
    private long _cases;
    private long _customers;
    private long _casesActivated;
    private long _customersActivated;

    public long CasesInMemory => Interlocked.Read(ref _cases);

    public long CustomersInMemory => Interlocked.Read(ref _customers);

    /// <summary>Case activations since the silo started: more than the cases told when cases come back after being put away.</summary>
    public long CasesActivated => Interlocked.Read(ref _casesActivated);

    /// <summary>Customer activations since the silo started.</summary>
    public long CustomersActivated => Interlocked.Read(ref _customersActivated);

    /// <summary>
    /// Counts a case in at activation; <see cref="CaseOut"/> counts it out when it is put away. Counters, not a token per
    /// grain: thousands of cases live at once and each would carry one.
    /// </summary>
    public void CaseIn()
    {
        Interlocked.Increment(ref _cases);
        Interlocked.Increment(ref _casesActivated);
    }

    public void CaseOut() => Interlocked.Decrement(ref _cases);

    public void CustomerIn()
    {
        Interlocked.Increment(ref _customers);
        Interlocked.Increment(ref _customersActivated);
    }

    public void CustomerOut() => Interlocked.Decrement(ref _customers);
}
