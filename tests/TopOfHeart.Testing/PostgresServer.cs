using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using Xunit;

namespace TopOfHeart.Testing;

/// <summary>
/// A real PostgreSQL server for tests. By default it starts its own throw-away server from the
/// locally installed binaries (initdb into a temp folder, pg_ctl start on a free loopback port,
/// run as the <c>postgres</c> OS user when the tests run as root, since initdb refuses root) and
/// removes it on dispose. When <c>TOPOFHEART_TEST_POSTGRES</c> holds a connection string, that
/// server is used instead. It never skips: a server that cannot start fails every test using it.
/// A test assembly shares one through its own <c>[CollectionDefinition]</c> implementing
/// <c>ICollectionFixture&lt;PostgresServer&gt;</c>: xunit looks for collection definitions only in the test assembly.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    public const string ExternalServerVariable = "TOPOFHEART_TEST_POSTGRES";

    private const string ServerUser = "postgres";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);

    private readonly List<string> databases = [];
    private string? root;
    private string? binDirectory;
    private bool ownServer;

    /// <summary>Connection string of the server's maintenance database (<c>postgres</c>).</summary>
    public string AdminConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var external = Environment.GetEnvironmentVariable(ExternalServerVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            AdminConnectionString = external;
            try
            {
                await CheckConnectionAsync();
            }
            catch (NpgsqlException exception)
            {
                throw new InvalidOperationException(
                    $"Could not connect to the PostgreSQL server named by {ExternalServerVariable}: {exception.Message}", exception);
            }

            return;
        }

        try
        {
            await StartOwnServerAsync();
            await CheckConnectionAsync();
        }
        catch (Exception exception)
        {
            var log = ReadServerLog();
            await DisposeAsync();
            throw new InvalidOperationException(
                $"Could not start a PostgreSQL server for the tests: {exception.Message}{Environment.NewLine}"
                + "Install PostgreSQL's server binaries (Debian: apt-get install postgresql) or set "
                + $"{ExternalServerVariable} to the connection string of a server that may create databases."
                + (log is null ? "" : $"{Environment.NewLine}Server log:{Environment.NewLine}{log}"),
                exception);
        }
    }

    /// <summary>Creates an empty database only the calling test uses and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"toh_test_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }

        lock (databases)
        {
            databases.Add(name);
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (ownServer)
        {
            // Immediate: the data folder is deleted next, nothing needs a clean shutdown.
            await RunAsync(Tool("pg_ctl"), ["-D", DataDirectory, "-m", "immediate", "-w", "stop"], asServerUser: true);
            ownServer = false;
        }
        else if (AdminConnectionString.Length > 0 && databases.Count > 0)
        {
            await DropDatabasesAsync();
        }

        if (root is not null && Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }

        root = null;
    }

    private string DataDirectory => Path.Combine(root!, "data");

    private string LogFile => Path.Combine(root!, "server.log");

    private async Task StartOwnServerAsync()
    {
        binDirectory = await FindBinDirectoryAsync();
        root = Directory.CreateTempSubdirectory("topofheart-pg-").FullName;
        if (Environment.IsPrivilegedProcess)
        {
            await RunCheckedAsync("chown", ["-R", $"{ServerUser}:{ServerUser}", root], asServerUser: false);
        }

        await RunCheckedAsync(Tool("initdb"),
            ["-D", DataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"],
            asServerUser: true);

        var port = FreeLoopbackPort();
        // Durability is pointless for a throw-away server; connections: several silos per test.
        var serverOptions = $"-c listen_addresses=127.0.0.1 -p {port} -k {root} "
            + "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300";
        await RunCheckedAsync(Tool("pg_ctl"),
            ["-D", DataDirectory, "-l", LogFile, "-w", "-t", "60", "-o", serverOptions, "start"],
            asServerUser: true);
        ownServer = true;

        AdminConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = "postgres",
            Database = "postgres",
        }.ConnectionString;
    }

    private async Task CheckConnectionAsync()
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
    }

    private async Task DropDatabasesAsync()
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        foreach (var name in databases)
        {
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        }

        databases.Clear();
    }

    /// <summary><c>pg_config --bindir</c> when it has initdb, else the newest /usr/lib/postgresql/*/bin.</summary>
    private static async Task<string> FindBinDirectoryAsync()
    {
        var candidates = new List<string>();
        try
        {
            var (exitCode, output) = await RunAsync("pg_config", ["--bindir"], asServerUser: false);
            if (exitCode == 0)
            {
                candidates.Add(output.Trim());
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // pg_config is not installed (it comes with libpq-dev or postgresql-common).
        }

        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            candidates.AddRange(Directory.GetDirectories(debianRoot)
                .OrderByDescending(path => int.TryParse(Path.GetFileName(path), out var major) ? major : 0)
                .Select(path => Path.Combine(path, "bin")));
        }

        return candidates.FirstOrDefault(path => File.Exists(Path.Combine(path, "initdb")))
            ?? throw new InvalidOperationException(
                $"no initdb found (looked in: {string.Join(", ", candidates.DefaultIfEmpty("pg_config missing"))})");
    }

    private string Tool(string name) => Path.Combine(binDirectory!, name);

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private string? ReadServerLog()
    {
        try
        {
            return root is not null && File.Exists(LogFile) ? File.ReadAllText(LogFile) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static async Task RunCheckedAsync(string fileName, IReadOnlyList<string> arguments, bool asServerUser)
    {
        var (exitCode, output) = await RunAsync(fileName, arguments, asServerUser);
        if (exitCode != 0)
        {
            throw new InvalidOperationException(
                $"'{Path.GetFileName(fileName)} {string.Join(' ', arguments)}' exited with {exitCode}: {output.Trim()}");
        }
    }

    /// <summary>Runs a tool, as the <c>postgres</c> OS user when asked and running as root.</summary>
    private static async Task<(int ExitCode, string Output)> RunAsync(
        string fileName, IReadOnlyList<string> arguments, bool asServerUser)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (asServerUser && Environment.IsPrivilegedProcess)
        {
            start.FileName = "runuser";
            foreach (var argument in (string[])["-u", ServerUser, "--", fileName])
            {
                start.ArgumentList.Add(argument);
            }
        }
        else
        {
            start.FileName = fileName;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)
            ?? throw new InvalidOperationException($"could not start {start.FileName}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{fileName} {string.Join(' ', arguments)}' did not finish within {CommandTimeout}");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
