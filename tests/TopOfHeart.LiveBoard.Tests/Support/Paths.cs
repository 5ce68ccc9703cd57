using System.Reflection;

namespace TopOfHeart.LiveBoard.Tests.Support;

/// <summary>Folders fixed at build time: the test project's (browser script, node_modules) and the repository's (artifacts).</summary>
internal static class Paths
{
    public static string TestProject { get; } = Metadata("TestProjectDirectory");

    public static string RepositoryRoot { get; } = Metadata("RepositoryRoot");

    public static string Artifacts(params string[] parts)
    {
        var path = Path.Combine([RepositoryRoot, "artifacts", .. parts]);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    private static string Metadata(string key) =>
        typeof(Paths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
