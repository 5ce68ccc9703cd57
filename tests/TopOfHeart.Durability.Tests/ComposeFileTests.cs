using System.Diagnostics;

namespace TopOfHeart.Durability.Tests;

/// <summary>
/// The repository's docker-compose.yml, as <c>docker-compose config</c> reads it (there is no Docker engine here:
/// the file is checked, not run). The same topology runs as local processes in the other tests of this project.
/// </summary>
public sealed class ComposeFileTests(ITestOutputHelper output)
{
    private static readonly string Root = SiloProcess.RepositoryRoot;

    [ComposeFact]
    public async Task Docker_compose_config_accepts_the_file_with_postgres_two_silos_and_a_liveboard_each_health_checked()
    {
        Assert.True(DockerCompose.Path is not null, "docker-compose is not installed (apt-get install docker-compose); CI=true requires it.");
        var (exitCode, config, errors) = await RunAsync(DockerCompose.Path, "-f", Path.Combine(Root, "docker-compose.yml"), "config");
        Assert.True(exitCode == 0, $"docker-compose config failed ({exitCode}): {errors}");
        output.WriteLine(config);

        var services = Blocks(config, "services");
        Assert.Equal(["liveboard", "postgres", "silo1", "silo2"], services.Keys.Order());
        foreach (var (name, block) in services)
        {
            Assert.True(block.Contains("\n    healthcheck:\n", StringComparison.Ordinal), $"{name} has no healthcheck");
            Assert.True(block.Contains("restart: unless-stopped", StringComparison.Ordinal), $"{name} does not restart");
        }

        var postgres = services["postgres"];
        Assert.Contains("image: postgres:15", postgres);
        Assert.Contains("pg_isready", postgres);

        foreach (var silo in new[] { "silo1", "silo2" })
        {
            var block = services[silo];
            Assert.Contains("dockerfile: src/Silo/Dockerfile", block);
            Assert.Contains("TopOfHeart__Storage: Postgres", block);
            Assert.Contains("TopOfHeart__Clustering: Postgres", block);
            Assert.Contains("ConnectionStrings__TopOfHeart: Host=postgres;", block);
            Assert.Contains($"TopOfHeart__Orleans__AdvertisedAddress: {silo}", block);
            Assert.Contains("ASPNETCORE_URLS: http://0.0.0.0:5080", block);
            Assert.Contains("http://127.0.0.1:5080/health", block);
            Assert.Contains("condition: service_healthy", block);
            Assert.Matches(@"- 127\.0\.0\.1:508\d:5080/tcp", block);
        }

        Assert.NotEqual(Published(services["silo1"]), Published(services["silo2"]));
        var board = services["liveboard"];
        Assert.Contains("dockerfile: src/LiveBoard/Dockerfile", board);
        Assert.Contains("TopOfHeart__Clustering: Postgres", board);
        Assert.Contains("http://127.0.0.1:5090/health", board);
        Assert.Contains("- 127.0.0.1:5090:5090/tcp", board);

        foreach (var dockerfile in new[] { "src/Silo/Dockerfile", "src/LiveBoard/Dockerfile" })
        {
            var text = await File.ReadAllTextAsync(Path.Combine(Root, dockerfile));
            Assert.Contains("FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build", text);
            Assert.Contains("FROM mcr.microsoft.com/dotnet/aspnet:10.0", text);
            Assert.Contains("HEALTHCHECK", text);
        }

        Assert.Contains("nodejs npm", await File.ReadAllTextAsync(Path.Combine(Root, "src/LiveBoard/Dockerfile")));
    }

    /// <summary>The blocks under a top-level key of the normalised config (two-space indents), by name.</summary>
    private static Dictionary<string, string> Blocks(string yaml, string topLevel)
    {
        var blocks = new Dictionary<string, string>(StringComparer.Ordinal);
        string? current = null;
        var inside = false;
        var text = new System.Text.StringBuilder();
        foreach (var line in yaml.Replace("\r", "", StringComparison.Ordinal).Split('\n'))
        {
            if (!line.StartsWith(' ') && line.Length > 0)
            {
                Flush();
                inside = line == $"{topLevel}:";
                continue;
            }

            if (!inside) continue;
            if (line.Length > 2 && line[2] != ' ' && line.StartsWith("  ", StringComparison.Ordinal) && line.EndsWith(':'))
            {
                Flush();
                current = line.Trim().TrimEnd(':');
                text.Append('\n');
                continue;
            }

            text.Append(line).Append('\n');
        }

        Flush();
        return blocks;

        void Flush()
        {
            if (current is not null) blocks[current] = text.ToString();
            current = null;
            text.Clear();
        }
    }

    private static string Published(string block) =>
        block.Split('\n').Single(line => line.Contains(":5080/tcp", StringComparison.Ordinal)).Trim();

    private static async Task<(int ExitCode, string Output, string Errors)> RunAsync(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Root,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within 60 s");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>Where <c>docker-compose</c> is, if installed (Debian package docker-compose; .ci/run installs it).</summary>
public static class DockerCompose
{
    public static string? Path { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(folder => System.IO.Path.Combine(folder, "docker-compose"))
        .FirstOrDefault(File.Exists);
}

/// <summary>
/// A fact that needs docker-compose: skipped on a developer machine without it, but never in CI (CI=true),
/// where a missing docker-compose fails the test instead.
/// </summary>
public sealed class ComposeFactAttribute : FactAttribute
{
    public ComposeFactAttribute()
    {
        Timeout = 90_000;
        if (DockerCompose.Path is not null) return;
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            // Run it: the test fails on the missing tool with a clear message.
            return;
        }

        Skip = "docker-compose is not installed (apt-get install docker-compose); CI installs it and never skips this test.";
    }
}
