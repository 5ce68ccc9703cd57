using System.Text;
using CsCheck;
using TopOfHeart.Silo.Ingestion;
using Xunit;

namespace TopOfHeart.Hardening.Tests;

/// <summary>
/// Property-based fuzzing of the ingest parser: whatever the bytes, it either refuses the whole body
/// with a reason or accounts for every event (valid, or rejected by index with a reason) — never
/// another exception, never an event lost or counted twice. Time-bounded for CI.
/// </summary>
public sealed class ParserFuzzTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly int Seconds = Environment.GetEnvironmentVariable("FUZZ_SECONDS") is { } s ? int.Parse(s) : 5;

    private static readonly string[] Types = ["case.opened", "interaction", "handoff.requested", "handoff.accepted", "handoff.rejected", "case.resolved", "customer.contact", "feedback", "nope"];

    /// <summary>A JSON value of any shape, as text, for fields that should be strings/numbers.</summary>
    private static readonly Gen<string> AnyJsonValue = Gen.OneOf(
        Gen.String[0, 40].Select(s => System.Text.Json.JsonSerializer.Serialize(s)),
        Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "1e999"),
        Gen.Const("null"), Gen.Const("true"), Gen.Const("[]"), Gen.Const("{}"), Gen.Const("[1,{\"a\":[null]}]"),
        Gen.Int[0, 200_000].Select(n => "\"" + new string('x', n % 5000) + "\""));

    private static readonly Gen<string> EventObject =
        Gen.Select(Gen.Int[0, 1000], Gen.Int[0, Types.Length - 1], Gen.Bool, Gen.Bool, AnyJsonValue, AnyJsonValue, Gen.Int[-20, 20])
            .Select((id, type, withCase, mangle, junk1, junk2, minutes) =>
            {
                var at = Now.AddMinutes(minutes).ToString("yyyy-MM-ddTHH:mm:ssZ");
                var fields = new List<string>
                {
                    $"\"eventId\":\"e-{id}\"",
                    $"\"type\":\"{Types[type]}\"",
                    $"\"occurredAt\":\"{at}\"",
                    "\"customerId\":\"c-1\"",
                    "\"department\":\"Sales\"",
                    "\"toDepartment\":\"Billing\"",
                };
                if (withCase) fields.Add("\"caseId\":\"case-1\"");
                if (mangle) fields.Add($"\"sentiment\":{junk1}");
                fields.Add($"\"unknownField\":{junk2}");
                return "{" + string.Join(",", fields) + "}";
            });

    [Fact]
    public void Random_bytes_are_refused_whole_or_accounted_for_event_by_event()
    {
        Gen.Byte.Array[0, 2000].Sample(bytes => Check(bytes, ndjson: false), time: Seconds, threads: 1);
        Gen.Byte.Array[0, 2000].Sample(bytes => Check(bytes, ndjson: true), time: Seconds, threads: 1);
    }

    [Fact]
    public void Arrays_of_mangled_events_account_for_every_event_by_index()
    {
        EventObject.Array[0, 40].Sample(events =>
        {
            var body = Encoding.UTF8.GetBytes("[" + string.Join(",", events) + "]");
            var batch = EventParser.Parse(body, ndjson: false, Now);
            AssertAccounted(batch, events.Length);
        }, time: Seconds, threads: 1);
    }

    [Fact]
    public void Ndjson_with_broken_lines_keeps_every_intact_line()
    {
        Gen.Select(EventObject.Array[1, 30], Gen.Int[0, 29], Gen.Int[1, 30]).Sample((events, broken, cut) =>
        {
            var lines = events.ToArray();
            var b = broken % lines.Length;
            lines[b] = lines[b][..Math.Min(cut, lines[b].Length - 1)]; // truncate one line
            var batch = EventParser.Parse(Encoding.UTF8.GetBytes(string.Join("\n", lines)), ndjson: true, Now);
            AssertAccounted(batch, lines.Length);
            Assert.Contains(batch.Rejected, r => r.Index == b);
        }, time: Seconds, threads: 1);
    }

    [Fact]
    public void Mutations_of_a_valid_batch_never_escape_as_other_exceptions()
    {
        var valid = Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Range(0, 5).Select(i =>
            $"{{\"eventId\":\"e{i}\",\"type\":\"interaction\",\"occurredAt\":\"2026-11-23T12:00:00Z\",\"customerId\":\"c\",\"department\":\"Sales\",\"sentiment\":0.5}}")) + "]");
        Gen.Select(Gen.Int[0, valid.Length - 1], Gen.Byte, Gen.Int[0, 3]).Array[1, 8].Sample(mutations =>
        {
            var body = (byte[])valid.Clone();
            var list = body.ToList();
            foreach (var (at, value, how) in mutations)
            {
                var i = Math.Min(at, list.Count - 1);
                if (list.Count == 0) break;
                switch (how)
                {
                    case 0: list[i] = value; break;
                    case 1: list.Insert(i, value); break;
                    case 2: list.RemoveAt(i); break;
                    default: list.RemoveRange(i, list.Count - i); break;
                }
            }

            Check([.. list], ndjson: false);
        }, time: Seconds, threads: 1);
    }

    private static void Check(byte[] body, bool ndjson)
    {
        ParsedBatch batch;
        try
        {
            batch = EventParser.Parse(body, ndjson, Now);
        }
        catch (BodyException ex)
        {
            Assert.False(string.IsNullOrWhiteSpace(ex.Message));
            return;
        }

        AssertAccounted(batch, batch.Count);
    }

    private static void AssertAccounted(ParsedBatch batch, int expected)
    {
        Assert.Equal(expected, batch.Count);
        var indexes = batch.Valid.Select(v => v.Index).Concat(batch.Rejected.Select(r => r.Index)).Order().ToList();
        Assert.Equal(Enumerable.Range(0, expected), indexes);
        Assert.All(batch.Rejected, r => Assert.False(string.IsNullOrWhiteSpace(r.Error)));
    }
}
