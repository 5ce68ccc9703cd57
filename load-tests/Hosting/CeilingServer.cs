using System.Buffers;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using TopOfHeart.Silo.Api;
using TopOfHeart.Silo.Ingestion;

namespace TopOfHeart.LoadTests.Hosting;

/// <summary>
/// The machine's ceiling: Kestrel on loopback with one endpoint that reads the body as the silo does, parses it
/// with the silo's own <see cref="EventParser"/>, counts the events and answers as the silo would. No grains, no
/// storage: what the silo achieves beside it is the share of the machine its relay work leaves for ingest.
/// </summary>
public sealed class CeilingServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private long _events;

    private CeilingServer(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public long Events => Interlocked.Read(ref _events);

    public static async Task<CeilingServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        CeilingServer? server = null;
        app.MapPost("/api/v1/events", (HttpContext http, CancellationToken ct) => server!.IngestAsync(http, ct));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new CeilingServer(app, new Uri(address));
        return server;
    }

    private async Task<IResult> IngestAsync(HttpContext http, CancellationToken cancellationToken)
    {
        var request = http.Request;
        var buffer = ArrayPool<byte>.Shared.Rent(request.ContentLength is > 0 and <= EventEndpoints.MaxBodyBytes
            ? (int)request.ContentLength.Value + 1
            : 64 * 1024);
        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length > EventEndpoints.MaxBodyBytes) return TypedResults.StatusCode(StatusCodes.Status413PayloadTooLarge);
                    var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, EventEndpoints.MaxBodyBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0) break;
                length += read;
            }

            var batch = EventParser.Parse(buffer.AsSpan(0, length), ndjson: false, DateTimeOffset.UtcNow);
            Interlocked.Add(ref _events, batch.Valid.Count);
            var rejected = batch.Rejected.Select(r => new RejectedEvent(r.Index, r.EventId, r.Error)).ToList();
            return TypedResults.Json(new IngestResponse(batch.Valid.Count, 0, rejected), statusCode: StatusCodes.Status202Accepted);
        }
        catch (BodyException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
