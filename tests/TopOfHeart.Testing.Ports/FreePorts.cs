using System.Net;
using System.Net.Sockets;

namespace TopOfHeart.Testing;

/// <summary>Loopback ports nobody is listening on, for silos and web hosts started by tests and load runs.</summary>
public static class FreePorts
{
    private static readonly HashSet<int> Handed = [];

    /// <summary>A free port on 127.0.0.1, never handed twice in this process.</summary>
    public static int Next()
    {
        lock (Handed)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                if (Handed.Add(port)) return port;
            }
        }
    }
}
