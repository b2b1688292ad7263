using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace KvsGateway.FunctionalTests.Infrastructure;

/// <summary>
/// The real Redis the tests run against: the one the test command started (KVSGW_TEST_REDIS), or a
/// redis-server started here on a free loopback port, without persistence, when run by hand.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private Process? _process;

    public string ConnectionString { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        var configured = Environment.GetEnvironmentVariable("KVSGW_TEST_REDIS");
        if (!string.IsNullOrEmpty(configured))
        {
            ConnectionString = configured;
            return;
        }

        var port = KvsGateway.Hosting.LoopbackPort.FindFree();
        var start = new ProcessStartInfo("redis-server", ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start; install it or set KVSGW_TEST_REDIS.");
        ConnectionString = $"127.0.0.1:{port}";
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new InvalidOperationException("redis-server did not accept connections.");
    }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.Dispose();
        }

        return Task.CompletedTask;
    }
}
