using System.Globalization;
using Garnet;

namespace KvsGateway.Hosting;

/// <summary>
/// An in-process Garnet server on a free loopback port, used when no Redis is configured. The gateway
/// talks to it through the same StackExchange.Redis code as to a real Redis.
/// </summary>
public sealed class EmbeddedGarnet : IDisposable
{
    private readonly GarnetServer _server;

    private EmbeddedGarnet(GarnetServer server, int port)
    {
        _server = server;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    public static EmbeddedGarnet Start(ILoggerFactory? loggerFactory)
    {
        var port = LoopbackPort.FindFree();
        var server = new GarnetServer(["--bind", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--lua", "true"], loggerFactory);
        server.Start();
        return new EmbeddedGarnet(server, port);
    }

    public void Dispose() => _server.Dispose();
}
