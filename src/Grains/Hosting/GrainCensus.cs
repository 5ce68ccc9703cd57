namespace TopOfHeart.Grains.Hosting;

/// <summary>
/// How many cases and customers this silo holds in memory right now, counted as they activate and are put away.
/// <c>GET /health</c> reports it, so a load test can show idle and resolved grains giving their memory back.
/// </summary>
public sealed class GrainCensus
{
    private long _cases;
    private long _customers;

    public long CasesInMemory => Interlocked.Read(ref _cases);

    public long CustomersInMemory => Interlocked.Read(ref _customers);

    /// <summary>Returns a token that counts the case out again when disposed (at deactivation).</summary>
    public IDisposable CaseIn() => new Member(this, customer: false);

    public IDisposable CustomerIn() => new Member(this, customer: true);

    private sealed class Member : IDisposable
    {
        private readonly GrainCensus _census;
        private readonly bool _customer;
        private int _out;

        public Member(GrainCensus census, bool customer)
        {
            _census = census;
            _customer = customer;
            if (customer) Interlocked.Increment(ref census._customers);
            else Interlocked.Increment(ref census._cases);
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _out, 1) != 0) return;
            if (_customer) Interlocked.Decrement(ref _census._customers);
            else Interlocked.Decrement(ref _census._cases);
        }
    }
}
