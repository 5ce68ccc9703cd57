using System.Buffers;
using TopOfHeart.Silo.Ingestion;

namespace TopOfHeart.Silo.Api;

public static class EventEndpoints
{
    public const int MaxBodyBytes = 4 * 1024 * 1024;

    public static IEndpointRouteBuilder MapEventEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/v1/events", IngestAsync).WithName("IngestEvents");
        return routes;
    }

    private static async Task<IResult> IngestAsync(HttpContext http, IEventIngestor ingestor, IngestGate gate, TimeProvider clock, CancellationToken cancellationToken)
    {
        var request = http.Request;
        if (request.ContentLength > MaxBodyBytes) return TooLarge($"The body is {request.ContentLength} bytes; at most {MaxBodyBytes} (4 MiB) per request.");

        using var admitted = gate.TryEnter(request.ContentLength ?? MaxBodyBytes);
        if (admitted is null)
        {
            http.Response.Headers.RetryAfter = gate.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Problem("The silo is at its ingest capacity; nothing of this request was taken. Retry after the given seconds.",
                statusCode: StatusCodes.Status429TooManyRequests, title: "Busy");
        }

        var buffer = ArrayPool<byte>.Shared.Rent(request.ContentLength is > 0 and <= MaxBodyBytes ? (int)request.ContentLength.Value + 1 : 64 * 1024);
        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length > MaxBodyBytes) return TooLarge($"The body is larger than {MaxBodyBytes} bytes (4 MiB).");
                    var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, MaxBodyBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0) break;
                length += read;
                if (length > MaxBodyBytes) return TooLarge($"The body is larger than {MaxBodyBytes} bytes (4 MiB).");
            }

            var ndjson = request.ContentType?.Contains("ndjson", StringComparison.OrdinalIgnoreCase) == true
                || request.ContentType?.Contains("jsonl", StringComparison.OrdinalIgnoreCase) == true;
            ParsedBatch batch;
            try
            {
                batch = EventParser.Parse(buffer.AsSpan(0, length), ndjson, clock.GetUtcNow());
            }
            catch (BodyException ex) when (ex.TooLarge)
            {
                return TooLarge(ex.Message);
            }
            catch (BodyException ex)
            {
                return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest, title: "The body is not a batch of events");
            }

            return await ApplyAsync(batch, ingestor, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task<IResult> ApplyAsync(ParsedBatch batch, IEventIngestor ingestor, CancellationToken cancellationToken)
    {
        var rejected = new List<RejectedEvent>(batch.Rejected.Select(r => new RejectedEvent(r.Index, r.EventId, r.Error)));
        var accepted = 0;
        var duplicates = 0;
        if (batch.Valid.Count > 0)
        {
            var outcome = await ingestor.IngestAsync(batch.Valid.Select(v => v.Event).ToList(), cancellationToken);
            for (var k = 0; k < batch.Valid.Count; k++)
            {
                var (index, e) = batch.Valid[k];
                switch (outcome.Status[k])
                {
                    case EventStatus.Accepted: accepted++; break;
                    case EventStatus.Duplicate: duplicates++; break;
                    default: rejected.Add(new RejectedEvent(index, e.EventId, outcome.Errors[k] ?? "not applied; retry the event")); break;
                }
            }
        }

        rejected.Sort((a, b) => a.Index.CompareTo(b.Index));
        var response = new IngestResponse(accepted, duplicates, rejected);
        if (accepted + duplicates > 0) return TypedResults.Json(response, statusCode: StatusCodes.Status202Accepted);
        if (batch.Count == 0)
            return TypedResults.Problem("The batch holds no events.", statusCode: StatusCodes.Status400BadRequest, title: "No events");
        if (batch.Valid.Count == 0)
        {
            return TypedResults.Problem("Every event in the request was rejected; see 'rejected'.", statusCode: StatusCodes.Status400BadRequest,
                title: "No valid events", extensions: new Dictionary<string, object?> { ["rejected"] = rejected, ["accepted"] = 0, ["duplicates"] = 0 });
        }

        // Valid events, but none could be applied now: a server-side problem, retryable.
        return TypedResults.Problem("No event could be applied now; retry the request.", statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Not applied", extensions: new Dictionary<string, object?> { ["rejected"] = rejected, ["accepted"] = 0, ["duplicates"] = 0 });
    }

    private static IResult TooLarge(string detail) =>
        TypedResults.Problem(detail + $" Send at most {EventParser.MaxEvents} events and 4 MiB per request.",
            statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request too large");
}

public sealed record IngestResponse(int Accepted, int Duplicates, IReadOnlyList<RejectedEvent> Rejected);

public sealed record RejectedEvent(int Index, string? EventId, string Error);
