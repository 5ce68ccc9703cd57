using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using TopOfHeart.Grains.Entities;
using TopOfHeart.Grains.Figures;
using TopOfHeart.Testing;

namespace TopOfHeart.Silo.Tests.TestKit;

/// <summary>The real silo on loopback with a fake clock: one per test class; tests use their own ids.</summary>
public class SiloFixture : IAsyncLifetime
{
    private LoopbackSilo? _silo;

    /// <summary>Settings on top of the defaults, as on the command line.</summary>
    protected virtual IDictionary<string, string?>? Settings => null;

    public LoopbackSilo Silo => _silo ?? throw new InvalidOperationException("not started");

    public FakeTimeProvider Clock => Silo.Clock!;

    public DateTimeOffset Now => Clock.GetUtcNow();

    public HttpClient Http => Silo.Http;

    public async Task InitializeAsync() => _silo = await LoopbackSilo.StartAsync(Settings);

    public async Task DisposeAsync()
    {
        if (_silo is not null) await _silo.DisposeAsync();
    }

    /// <summary>Delivers pending department and floor figures now instead of on the next 250 ms flush.</summary>
    public async Task FlushFiguresAsync()
    {
        await Silo.Services.GetRequiredService<EntityFeed>().FlushAsync();
        await Silo.Services.GetRequiredService<FigureFlushService>().FlushAsync();
    }

    public Task<Reply> PostEventsAsync(params JsonObject[] events) =>
        PostRawAsync(new JsonArray([.. events.Select(e => (JsonNode)e.DeepClone())]).ToJsonString(), "application/json");

    public async Task<Reply> PostRawAsync(string body, string contentType)
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return await Reply.ReadAsync(await Http.PostAsync("/api/v1/events", content));
    }

    /// <summary>Posts events that must all be accepted (the set-up of a test, not its subject).</summary>
    public async Task IngestAsync(params JsonObject[] events)
    {
        var reply = await PostEventsAsync(events);
        Assert.True(reply.Status == HttpStatusCode.Accepted, $"ingest: {reply}");
        Assert.True(reply.Json.GetProperty("accepted").GetInt32() == events.Length, $"ingest: {reply}");
    }

    public async Task<Reply> GetAsync(string path) => await Reply.ReadAsync(await Http.GetAsync(path));

    public async Task<Reply> PostJsonAsync(string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        return await Reply.ReadAsync(await Http.PostAsync(path, content));
    }

    /// <summary>Polls a GET until <paramref name="until"/> holds: for work the silo does after fake time passed a deadline.</summary>
    public Task<Reply> EventuallyAsync(string path, Func<Reply, bool> until, string what) =>
        LoopbackSilo.EventuallyAsync<Reply>(async () =>
        {
            var reply = await GetAsync(path);
            return until(reply) ? reply : null;
        }, what: what);
}

/// <summary>An HTTP answer read whole: status, media type and JSON body (if any).</summary>
public sealed record Reply(HttpStatusCode Status, string? MediaType, string Body)
{
    public static async Task<Reply> ReadAsync(HttpResponseMessage response)
    {
        using (response)
        {
            return new Reply(response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
        }
    }

    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public string? Text(string property) => Json.GetProperty(property).GetString();

    public override string ToString() => $"{(int)Status} {MediaType}: {(Body.Length > 2000 ? Body[..2000] + "…" : Body)}";
}
