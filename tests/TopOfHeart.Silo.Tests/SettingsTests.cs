using System.Diagnostics;

namespace TopOfHeart.Silo.Tests;

/// <summary>A misconfigured setting stops start-up with one clear line naming the key.</summary>
public sealed class SettingsTests
{
    [Theory]
    [InlineData("--TopOfHeart:Storage=Nope", "TopOfHeart:Storage")]
    [InlineData("--TopOfHeart:Clustering=Cloud", "TopOfHeart:Clustering")]
    [InlineData("--TopOfHeart:Storage=Postgres", "ConnectionStrings:TopOfHeart")]
    [InlineData("--TopOfHeart:Clustering=Postgres", "ConnectionStrings:TopOfHeart")]
    [InlineData("--TopOfHeart:Detection:HandoffAcceptSla=-00:01:00", "TopOfHeart:Detection:HandoffAcceptSla")]
    [InlineData("--TopOfHeart:Detection:HandoffAcceptSla=00:00:00", "TopOfHeart:Detection:HandoffAcceptSla")]
    [InlineData("--TopOfHeart:Detection:StallTimeout=-00:00:01", "TopOfHeart:Detection:StallTimeout")]
    [InlineData("--TopOfHeart:Alerts:EscalateAfter=-00:05:00", "TopOfHeart:Alerts:EscalateAfter")]
    [InlineData("--TopOfHeart:Detection:HandoffAcceptSla=soon", "TopOfHeart:Detection:HandoffAcceptSla")]
    [InlineData("--TopOfHeart:Detection:StallTimeout=ten minutes", "TopOfHeart:Detection:StallTimeout")]
    [InlineData("--TopOfHeart:Detection:MaxHops=many", "TopOfHeart:Detection:MaxHops")]
    [InlineData("--TopOfHeart:Orleans:SiloPort=70000", "TopOfHeart:Orleans:SiloPort")]
    [InlineData("--TopOfHeart:Orleans:SiloPort=port", "TopOfHeart:Orleans:SiloPort")]
    [InlineData("--TopOfHeart:Orleans:GatewayPort=0", "TopOfHeart:Orleans:GatewayPort")]
    public async Task A_bad_setting_stops_start_up_with_one_line_naming_its_key(string setting, string key)
    {
        var (app, problems) = SiloApp.Create([setting]);
        if (app is not null) await app.DisposeAsync();

        Assert.Null(app);
        var problem = Assert.Single(problems);
        Assert.Contains(key, problem, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', problem);
    }

    [Fact]
    public async Task The_built_silo_exits_with_code_2_and_one_stderr_line_naming_the_key_for_an_unknown_storage()
    {
        var silo = SiloAssembly();
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { silo, "--TopOfHeart:Storage=Nope" },
            WorkingDirectory = Path.GetDirectoryName(silo)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["DOTNET_NOLOGO"] = "1";

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
            throw new TimeoutException("the silo did not exit on a bad setting within 60 s");
        }

        var lines = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(2, process.ExitCode);
        var line = Assert.Single(lines);
        Assert.Contains("TopOfHeart:Storage", line, StringComparison.Ordinal);
        Assert.Contains("Nope", line, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", await stdout, StringComparison.Ordinal);
    }

    /// <summary>The silo project's own build output (not this test's copy): src/Silo/bin/{configuration}/{framework}/.</summary>
    private static string SiloAssembly()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = output.Name;
        var configuration = output.Parent!.Name;
        for (var dir = output; dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "TopOfHeart.sln"))) continue;
            var silo = Path.Combine(dir.FullName, "src", "Silo", "bin", configuration, framework, "TopOfHeart.Silo.dll");
            Assert.True(File.Exists(silo), $"the silo is not built at {silo}");
            return silo;
        }

        throw new FileNotFoundException($"no TopOfHeart.sln above {output.FullName}");
    }
}
