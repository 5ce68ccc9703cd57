namespace TopOfHeart.LoadTests.Hosting;

/// <summary>Where the repository is, and the silo's and LiveBoard's build output of the same configuration as this tool.</summary>
public static class BuildOutput
{
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>Release or Debug: the configuration this tool itself was built in (…/bin/Release/net10.0/).</summary>
    public static string Configuration { get; } = FindConfiguration();

    public static string SiloDll => Find("src/Silo", "TopOfHeart.Silo.dll");

    public static string LiveBoardDll => Find("src/LiveBoard", "TopOfHeart.LiveBoard.dll");

    public static string ReportsDirectory => Path.Combine(RepositoryRoot, "load-tests", "reports");

    private static string Find(string project, string dll)
    {
        var tfm = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Name;
        var path = Path.Combine(RepositoryRoot, project, "bin", Configuration, tfm, dll);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"{path} is missing: build the solution first (dotnet build TopOfHeart.sln -c {Configuration}).", path);
        }

        return path;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TopOfHeart.sln"))) return dir.FullName;
        }

        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TopOfHeart.sln"))) return dir.FullName;
        }

        throw new DirectoryNotFoundException("TopOfHeart.sln not found above the tool or the working directory.");
    }

    private static string FindConfiguration()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent?.Name;
        return configuration is "Release" or "Debug" ? configuration : "Release";
    }
}
