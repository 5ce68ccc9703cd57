using System.Security.Cryptography;

namespace TopOfHeart.Silo.Postgres;

/// <summary>One file of <c>sql/</c>: its name, its text and the SHA-256 of its bytes.</summary>
public sealed record SchemaScript(string Name, string Text, string Checksum)
{
    /// <summary>The <c>*.sql</c> files of <paramref name="directory"/>, in ordinal file-name order.</summary>
    public static IReadOnlyList<SchemaScript> LoadAll(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new InvalidOperationException(
                $"No SQL scripts folder at '{directory}': the build copies sql/*.sql next to the application.");
        }

        var scripts = Directory.EnumerateFiles(directory, "*.sql")
            .Order(StringComparer.Ordinal)
            .Select(Load)
            .ToList();
        if (scripts.Count == 0)
        {
            throw new InvalidOperationException($"The SQL scripts folder '{directory}' has no *.sql file.");
        }

        return scripts;
    }

    public static SchemaScript Load(string path)
    {
        var bytes = File.ReadAllBytes(path);
        using var reader = new StreamReader(new MemoryStream(bytes), detectEncodingFromByteOrderMarks: true);
        return new SchemaScript(
            Path.GetFileName(path),
            reader.ReadToEnd(),
            Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }
}
