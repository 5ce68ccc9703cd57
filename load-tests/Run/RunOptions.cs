using System.Globalization;
using TopOfHeart.Grains.Relay;

namespace TopOfHeart.LoadTests.Run;

public enum Scenario
{
    Steady,
    Ramp,
    Planted,
    Fanout,
    Soak,
    Deadlines,
}

/// <summary>The command line, with every bound a run needs: a run always stops by itself.</summary>
public sealed class RunOptions
{
    /// <summary>No run outlasts this, whatever it was asked.</summary>
    public static readonly TimeSpan HardLimit = TimeSpan.FromHours(2);

    public Scenario Scenario { get; set; } = Scenario.Steady;

    public bool Smoke { get; set; }

    /// <summary>Events per second offered; null: as fast as the server answers (closed loop).</summary>
    public double? Rate { get; set; }

    public int Seconds { get; set; }

    public long MaxEvents { get; set; }

    public int Batch { get; set; } = 200;

    public int Connections { get; set; } = 16;

    public int Subscribers { get; set; }

    /// <summary>Boards call <c>Subscribe</c> (one message per alert change) instead of <c>SubscribeInBatches</c>, as the page does.</summary>
    public bool PerAlertBoards { get; set; }

    /// <summary>Planted failures of each kind.</summary>
    public int PlantedPerKind { get; set; }

    public int Batons { get; set; } = 100_000;

    /// <summary>Deadlines scenario: the window over which the batons' deadlines are spread.</summary>
    public int DeadlineSpreadSeconds { get; set; } = 20;

    /// <summary>Share of healthy cases the generator closes; the others stay open (memory per open case).</summary>
    public double ResolveShare { get; set; } = 0.5;

    public int CeilingSeconds { get; set; } = 10;

    /// <summary>Seconds of light traffic before the measured load, so the silo's JIT and first activations are not measured.</summary>
    public int WarmupSeconds { get; set; } = 10;

    public bool Ceiling { get; set; } = true;

    public double RampStart { get; set; } = 2_000;

    public double RampFactor { get; set; } = 1.25;

    public int RampStepSeconds { get; set; } = 10;

    public double P99LimitMs { get; set; } = 100;

    public TimeSpan HandoffAcceptSla { get; set; } = TimeSpan.FromMinutes(2);

    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromMinutes(10);

    public int MaxHops { get; set; } = 3;

    public double SentimentDrop { get; set; } = 0.4;

    /// <summary>How long the silo holds a chase for an accept overtaken in transit (the product's default unless given).</summary>
    public TimeSpan ReorderGrace { get; set; } = new DetectionSettings().ReorderGrace;

    /// <summary>How long after a timer failure is sent its deadline passes (the story is backdated).</summary>
    public TimeSpan TimerLead { get; set; } = TimeSpan.FromSeconds(3);

    public string Storage { get; set; } = "Memory";

    public string? ConnectionString { get; set; }

    public int Seed { get; set; } = 17;

    /// <summary>False: a case's next event may go out before the request with its previous one is answered.</summary>
    public bool Ordered { get; set; } = true;

    public string? ReportsDirectory { get; set; }

    public bool Live { get; set; } = true;

    /// <summary>The whole run's bound: load, ceiling, drain, planted deadlines and checks, plus slack.</summary>
    public TimeSpan Bound
    {
        get
        {
            var bound = TimeSpan.FromSeconds(Seconds + CeilingSeconds + WarmupSeconds) + StallTimeout + HandoffAcceptSla + TimeSpan.FromMinutes(10);
            return bound < HardLimit ? bound : HardLimit;
        }
    }

    public static string Usage => """
        Top of Heart load test: starts the silo (and the LiveBoard when subscribers are asked for) on free loopback
        ports, measures the ceiling endpoint, runs one scenario, checks every alert against the relay core, and writes
        load-tests/reports/<scenario>-<utc>.{md,json,svg}.

          --scenario steady|ramp|planted|fanout|soak|deadlines   (default steady)
          --smoke                   a few seconds of planted failures + 2 board subscribers; exit 1 unless all is right
          --rate N|max              events/s offered (max: closed loop, as fast as the server answers)
          --seconds N               load duration (ramp: the bound on all steps)
          --max-events N            stop after this many events
          --batch N                 events per request (default 200)
          --connections N           requests in flight at most (default 16)
          --subscribers N           SignalR board subscribers, split across departments and the whole floor
          --per-alert-boards        boards call Subscribe (one message per alert) instead of SubscribeInBatches, to compare
          --planted N               planted failures of each kind
          --batons N                deadlines scenario: batons in flight (default 100000)
          --spread N                deadlines scenario: seconds over which their deadlines fall (default 20)
          --resolve-share X         share of healthy cases closed (default 0.5; 0 keeps every case open)
          --ceiling-seconds N       how long the ceiling endpoint is measured (default 10); --no-ceiling skips it
          --warmup N                seconds of light traffic before the measured load (default 10)
          --ramp-start N --ramp-factor X --step-seconds N --p99-limit-ms N   (a step lost on latency alone is run once more)
          --sla hh:mm:ss --stall hh:mm:ss --max-hops N --sentiment-drop X   detection settings (given to the silo too)
          --reorder-grace hh:mm:ss  how long a chase waits for an accept overtaken in transit (default 00:00:02; 0 raises at once)
          --timer-lead hh:mm:ss     a planted timer failure fires this long after it is sent (default 00:00:03)
          --storage memory|postgres --connection "<npgsql connection string to a loopback server>"
          --unordered               let a case's next event go out before its previous one was answered (concurrent senders)
          --seed N --reports DIR --no-live
        """;

    public static RunOptions Parse(string[] args)
    {
        var o = new RunOptions();
        int? seconds = null;
        int? subscribers = null;
        int? planted = null;
        long? maxEvents = null;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string Value()
            {
                if (i + 1 >= args.Length) throw new ArgumentException($"{arg} needs a value.");
                return args[++i];
            }

            switch (arg)
            {
                case "--scenario": o.Scenario = ParseScenario(Value()); break;
                case "--smoke": o.Smoke = true; break;
                case "--rate":
                    var rate = Value();
                    o.Rate = rate is "max" or "0" ? null : PositiveDouble(arg, rate);
                    break;
                case "--seconds": seconds = PositiveInt(arg, Value()); break;
                case "--max-events": maxEvents = (long)PositiveDouble(arg, Value()); break;
                case "--batch": o.Batch = Math.Min(PositiveInt(arg, Value()), 10_000); break;
                case "--connections": o.Connections = PositiveInt(arg, Value()); break;
                case "--subscribers": subscribers = NonNegativeInt(arg, Value()); break;
                case "--per-alert-boards": o.PerAlertBoards = true; break;
                case "--planted": planted = NonNegativeInt(arg, Value()); break;
                case "--batons": o.Batons = PositiveInt(arg, Value()); break;
                case "--spread": o.DeadlineSpreadSeconds = PositiveInt(arg, Value()); break;
                case "--resolve-share": o.ResolveShare = Math.Clamp(double.Parse(Value(), CultureInfo.InvariantCulture), 0, 1); break;
                case "--ceiling-seconds": o.CeilingSeconds = PositiveInt(arg, Value()); break;
                case "--no-ceiling": o.Ceiling = false; break;
                case "--warmup": o.WarmupSeconds = NonNegativeInt(arg, Value()); break;
                case "--ramp-start": o.RampStart = PositiveDouble(arg, Value()); break;
                case "--ramp-factor": o.RampFactor = Math.Max(1.01, PositiveDouble(arg, Value())); break;
                case "--step-seconds": o.RampStepSeconds = PositiveInt(arg, Value()); break;
                case "--p99-limit-ms": o.P99LimitMs = PositiveDouble(arg, Value()); break;
                case "--sla": o.HandoffAcceptSla = Span(arg, Value()); break;
                case "--stall": o.StallTimeout = Span(arg, Value()); break;
                case "--max-hops": o.MaxHops = PositiveInt(arg, Value()); break;
                case "--sentiment-drop": o.SentimentDrop = PositiveDouble(arg, Value()); break;
                case "--reorder-grace": o.ReorderGrace = Grace(arg, Value()); break;
                case "--timer-lead": o.TimerLead = Span(arg, Value()); break;
                case "--storage": o.Storage = ParseStorage(Value()); break;
                case "--connection": o.ConnectionString = Value(); break;
                case "--seed": o.Seed = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--reports": o.ReportsDirectory = Value(); break;
                case "--no-live": o.Live = false; break;
                case "--unordered": o.Ordered = false; break;
                default: throw new ArgumentException($"Unknown option '{arg}'.");
            }
        }

        if (o.Smoke)
        {
            o.Scenario = Scenario.Planted;
            o.Rate ??= 400;
            seconds ??= 4;
            subscribers ??= 2;
            planted ??= 2;
            o.Ceiling = false;
            o.WarmupSeconds = 0;
            o.HandoffAcceptSla = TimeSpan.FromSeconds(6);
            o.StallTimeout = TimeSpan.FromSeconds(8);
            o.TimerLead = TimeSpan.FromSeconds(2);
        }

        o.Seconds = seconds ?? o.Scenario switch
        {
            Scenario.Ramp => 180,
            Scenario.Soak => 600,
            Scenario.Planted => 20,
            Scenario.Fanout => 30,
            Scenario.Deadlines => 120,
            _ => 60,
        };
        if (o.Scenario != Scenario.Ramp && o.Scenario != Scenario.Deadlines && !o.Smoke && o.Rate is null && !args.Contains("--rate"))
        {
            o.Rate = o.Scenario switch
            {
                Scenario.Planted => 1_000,
                Scenario.Fanout => 2_000,
                Scenario.Soak => 2_000,
                _ => 5_000,
            };
        }

        if (o.Scenario == Scenario.Deadlines && !args.Contains("--rate")) o.Rate = 10_000;
        o.Subscribers = subscribers ?? o.Scenario switch
        {
            Scenario.Fanout => 300,
            Scenario.Planted or Scenario.Deadlines => 2,
            _ => 0,
        };
        o.PlantedPerKind = planted ?? o.Scenario switch
        {
            Scenario.Planted => 20,

            // Each alert reaches every board on its department or the floor, so the deliveries' p99 is really a percentile
            // over alerts: with 30 of each kind (50 raised on ingest) it was the single worst alert's. 120 of each kind
            // (200 on ingest, 80 on a timer: about 9 alerts and 2,800 deliveries a second) make it roughly the 2nd-worst of 200.
            Scenario.Fanout => 120,
            Scenario.Deadlines => 0,
            _ => Math.Max(2, o.Seconds / 10),
        };
        o.MaxEvents = maxEvents ?? 50_000_000;
        if (TimeSpan.FromSeconds(o.Seconds) > HardLimit) throw new ArgumentException($"--seconds is bounded by {HardLimit.TotalSeconds} s.");
        if (o.Storage == "Postgres" && string.IsNullOrWhiteSpace(o.ConnectionString))
            throw new ArgumentException("--storage postgres needs --connection \"Host=127.0.0.1;...\".");
        if (o.ConnectionString is { } cs) Loopback.RequireLoopbackDatabase(cs);
        if (o.TimerLead <= TimeSpan.Zero) throw new ArgumentException("--timer-lead must be positive.");
        return o;
    }

    private static Scenario ParseScenario(string text) =>
        Enum.TryParse<Scenario>(text, ignoreCase: true, out var s) && Enum.IsDefined(s)
            ? s
            : throw new ArgumentException($"--scenario must be one of {string.Join(", ", Enum.GetNames<Scenario>()).ToLowerInvariant()} (got '{text}').");

    private static string ParseStorage(string text) => text.ToLowerInvariant() switch
    {
        "memory" => "Memory",
        "postgres" => "Postgres",
        _ => throw new ArgumentException($"--storage must be memory or postgres (got '{text}')."),
    };

    private static int PositiveInt(string name, string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0
            ? v
            : throw new ArgumentException($"{name} must be a positive whole number (got '{text}').");

    private static int NonNegativeInt(string name, string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 0
            ? v
            : throw new ArgumentException($"{name} must be a whole number ≥ 0 (got '{text}').");

    private static double PositiveDouble(string name, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 && double.IsFinite(v)
            ? v
            : throw new ArgumentException($"{name} must be a positive number (got '{text}').");

    private static TimeSpan Grace(string name, string text) =>
        TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var v) && v >= TimeSpan.Zero && v <= DetectionSettings.MaxReorderGrace
            ? v
            : throw new ArgumentException($"{name} must be a time span from 00:00:00 to {DetectionSettings.MaxReorderGrace:c} (got '{text}').");

    private static TimeSpan Span(string name, string text) =>
        TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var v) && v > TimeSpan.Zero
            ? v
            : throw new ArgumentException($"{name} must be a positive time span like 00:00:05 (got '{text}').");
}
