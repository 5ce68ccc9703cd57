using System.Globalization;

namespace TopOfHeart.Durability.Tests;

/// <summary>
/// The figures the durability tests measure, printed to the test output and kept in
/// <c>artifacts/durability-figures.txt</c> (one table per test run; the folder is gitignored).
/// </summary>
public static class Figures
{
    private static readonly object Gate = new();
    private static readonly List<string> Rows = [];

    public static string FilePath => Path.Combine(SiloProcess.RepositoryRoot, "artifacts", "durability-figures.txt");

    /// <summary>Records one figure: e.g. ("durable ingest rate", 8123, "events/s", "20 requests × 1000 events").</summary>
    public static void Record(ITestOutputHelper output, string figure, double value, string unit, string how)
    {
        var row = string.Format(CultureInfo.InvariantCulture, "| {0,-44} | {1,12:0.###} | {2,-8} | {3} |", figure, value, unit, how);
        output.WriteLine($"FIGURE {figure}: {value.ToString("0.###", CultureInfo.InvariantCulture)} {unit} ({how})");
        lock (Gate)
        {
            Rows.Add(row);
            Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
            var header = new[]
            {
                $"# Top of Heart durability figures, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss} UTC, {Environment.ProcessorCount} cores, tests/TopOfHeart.Durability.Tests",
                "",
                string.Format(CultureInfo.InvariantCulture, "| {0,-44} | {1,12} | {2,-8} | {3} |", "figure", "value", "unit", "how"),
                $"|{new string('-', 46)}|{new string('-', 14)}|{new string('-', 10)}|------|",
            };
            File.WriteAllLines(FilePath, header.Concat(Rows));
        }
    }
}
