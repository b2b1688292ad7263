using System.Net;
using System.Net.Sockets;

namespace KvsGateway.Hosting;

internal static class LoopbackPort
{
    /// <summary>A port that was free on 127.0.0.1 a moment ago.</summary>
    public static int FindFree()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
