using System.Net;
using System.Text;
using TopOfHeart.Testing;
using Xunit;
using Xunit.Abstractions;

namespace TopOfHeart.Hardening.Tests;

public sealed class SiloFixture : IAsyncLifetime
{
    public LoopbackSilo Silo { get; private set; } = null!;

    public async Task InitializeAsync() => Silo = await LoopbackSilo.StartAsync(fakeClock: false);

    public async Task DisposeAsync() => await Silo.DisposeAsync();
}

/// <summary>Every malformed body gets a 4xx with a reason — never a 5xx or a hang — and valid neighbours still apply.</summary>
public sealed class HostileInputTests(SiloFixture fixture, ITestOutputHelper output) : IClassFixture<SiloFixture>
{
    private static string Valid(string id) =>
        $"{{\"eventId\":\"{id}\",\"type\":\"interaction\",\"occurredAt\":\"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ssZ}\",\"customerId\":\"c-hostile\",\"department\":\"Sales\"}}";

    public static TheoryData<string, string, string> Bodies() => new()
    {
        { "truncated JSON", "application/json", "[" + Valid("t1") + ",{\"eventId\":\"t2\",\"ty" },
        { "deeply nested JSON", "application/json", new string('[', 100_000) + new string(']', 100_000) },
        { "deeply nested unknown field", "application/json", "[{\"eventId\":\"n1\",\"x\":" + new string('[', 5000) + new string(']', 5000) + "}]" },
        { "not JSON at all", "application/json", "hello, world" },
        { "empty body", "application/json", "" },
        { "NaN literal", "application/json", "[{\"eventId\":\"nan1\",\"sentiment\":NaN}]" },
        { "JSON null", "application/json", "null" },
        { "array of nulls", "application/json", "[null,null]" },
        { "wrong types only", "application/json", "[{\"eventId\":42,\"type\":true,\"occurredAt\":[],\"customerId\":{}}]" },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task A_hostile_body_gets_a_4xx_with_a_reason(string what, string contentType, string body)
    {
        var response = await Post(Encoding.UTF8.GetBytes(body), contentType);
        var text = await response.Content.ReadAsStringAsync();
        output.WriteLine($"{what}: {(int)response.StatusCode} {Shorten(text)}");
        Assert.InRange((int)response.StatusCode, 400, 499);
        Assert.Contains("detail", text);
    }

    [Fact]
    public async Task Invalid_utf8_is_refused_with_a_reason()
    {
        var body = Encoding.UTF8.GetBytes("[{\"eventId\":\"u1\",\"type\":\"interaction\",\"customerId\":\"c\xff\",\"department\":\"S\"}]").ToList();
        body[body.IndexOf((byte)'c', 40) + 1] = 0xFF; // a lone continuation-less byte inside a string
        var response = await Post([.. body], "application/json");
        output.WriteLine($"invalid UTF-8: {(int)response.StatusCode} {Shorten(await response.Content.ReadAsStringAsync())}");
        Assert.InRange((int)response.StatusCode, 400, 499);
    }

    [Fact]
    public async Task Bad_events_next_to_good_ones_never_stop_the_good_ones()
    {
        var hugeString = new string('x', 100_000);
        var bad = new[]
        {
            "{\"eventId\":\"b1\",\"type\":\"interaction\",\"occurredAt\":\"2026-11-23T10:00:00Z\",\"customerId\":\"" + hugeString + "\",\"department\":\"Sales\"}",
            "{\"eventId\":\"b2\",\"type\":\"interaction\",\"occurredAt\":\"2026-11-23T10:00:00Z\",\"customerId\":\"c\",\"department\":\"Sales\",\"sentiment\":\"very happy\"}",
            "{\"eventId\":null,\"type\":\"interaction\"}",
            "{\"eventId\":\"b4\",\"type\":\"interaction\",\"occurredAt\":\"2026-11-23T10:00:00Z\",\"customerId\":\"c\",\"department\":\"Sales\",\"sentiment\":1e400}",
            "{\"eventId\":\"b5\",\"type\":\"feedback\",\"occurredAt\":\"yesterday\",\"customerId\":\"c\"}",
            "{\"eventId\":\"b6\",\"type\":\"interaction\",\"occurredAt\":\"2026-11-23T10:00:00Z\",\"customerId\":\"c\",\"department\":\"Sales\",\"reason\":\"" + hugeString + "\"}",
            "[1,2,3]",
            "\"a string\"",
        };
        var good = new[] { Valid("g1"), Valid("g2") };
        var body = "[" + good[0] + "," + string.Join(",", bad) + "," + good[1] + ",{\"eventId\":\"g3\",\"type\":\"customer.contact\",\"occurredAt\":\"" +
            DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ") + "\",\"customerId\":\"c-hostile\",\"unknownField\":{\"deep\":[1,2,{\"x\":null}]}}]";
        var response = await Post(Encoding.UTF8.GetBytes(body), "application/json");
        var text = await response.Content.ReadAsStringAsync();
        output.WriteLine($"mixed batch: {(int)response.StatusCode} {Shorten(text, 2000)}");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Contains("\"accepted\":3", text);
        foreach (var index in Enumerable.Range(1, bad.Length)) Assert.Contains($"\"index\":{index},", text);
        Assert.Contains("sentiment is out of range for a number.", text);
    }

    [Fact]
    public async Task Too_many_events_or_too_many_bytes_get_413()
    {
        var many = "[" + string.Join(",", Enumerable.Range(0, 10_001).Select(i => Valid($"m{i}"))) + "]";
        var tooMany = await Post(Encoding.UTF8.GetBytes(many), "application/json");
        output.WriteLine($"10,001 events: {(int)tooMany.StatusCode}");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooMany.StatusCode);

        var big = new byte[4 * 1024 * 1024 + 10];
        Array.Fill(big, (byte)' ');
        big[0] = (byte)'[';
        big[^1] = (byte)']';
        var tooBig = await Post(big, "application/json");
        output.WriteLine($"4 MiB + 10 bytes: {(int)tooBig.StatusCode}");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig.StatusCode);
    }

    [Fact]
    public async Task A_slow_or_abandoned_body_does_not_hang_the_server()
    {
        using var client = new HttpClient { BaseAddress = fixture.Silo.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var content = new StreamContent(new StallingStream(Encoding.UTF8.GetBytes("[" + Valid("s1"))));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        await Assert.ThrowsAnyAsync<Exception>(() => client.PostAsync("/api/v1/events", content));

        // The server still answers at once.
        var health = await fixture.Silo.Http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    private async Task<HttpResponseMessage> Post(byte[] body, string contentType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        return await fixture.Silo.Http.PostAsync("/api/v1/events", content, timeout.Token);
    }

    private static string Shorten(string text, int max = 300) => text.Length <= max ? text : text[..max] + "…";

    /// <summary>Sends a few bytes, then never finishes the body.</summary>
    private sealed class StallingStream(byte[] start) : Stream
    {
        private int _sent;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_sent < start.Length)
            {
                var n = Math.Min(buffer.Length, start.Length - _sent);
                start.AsMemory(_sent, n).CopyTo(buffer);
                _sent += n;
                return n;
            }

            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }
    }
}
