using System.Net;

namespace TopOfHeart.LoadTests.Run;

/// <summary>
/// Every run targets this machine only: servers on 127.0.0.1, a database on loopback or a local socket. Free ports come
/// from the tests' own <see cref="TopOfHeart.Testing.FreePorts"/>.
/// </summary>
public static class Loopback
{
    public static Uri Url(int port) => new($"http://127.0.0.1:{port}");

    public static void RequireLoopback(Uri url)
    {
        if (!IsLoopbackHost(url.Host)) throw new ArgumentException($"{url} is not a loopback address; a load test targets this machine only.");
    }

    /// <summary>Refuses a connection string whose Host is not this machine (a path is a Unix socket, also local).</summary>
    public static void RequireLoopbackDatabase(string connectionString)
    {
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=');
            if (eq < 0) continue;
            var key = part[..eq].Trim().ToLowerInvariant();
            if (key is not ("host" or "server")) continue;
            foreach (var host in part[(eq + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var name = host.Split(':')[0];
                if (!name.StartsWith('/') && !IsLoopbackHost(name))
                    throw new ArgumentException($"The database host '{name}' is not loopback; a load test targets this machine only.");
            }
        }
    }

    private static bool IsLoopbackHost(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
}
