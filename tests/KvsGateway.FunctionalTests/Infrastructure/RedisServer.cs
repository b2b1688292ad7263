using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace KvsGateway.FunctionalTests.Infrastructure;

/// <summary>
/// The real Redis the tests run against: the one the test command started (KVSGW_TEST_REDIS), or a
/// redis-server started here on a free loopback port when run by hand. A test that stops and
/// restarts Redis asks for one of its own, with an append-only file so data survives the restart.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private readonly bool _own;
    private Process? _process;
    private string? _directory;
    private int _port;

    public RedisServer(bool own = false)
    {
        _own = own;
    }

    public string ConnectionString { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        var configured = Environment.GetEnvironmentVariable("KVSGW_TEST_REDIS");
        if (!_own && !string.IsNullOrEmpty(configured))
        {
            ConnectionString = configured;
            return;
        }

        _port = KvsGateway.Hosting.LoopbackPort.FindFree();
        _directory = Directory.CreateTempSubdirectory("kvsgw-redis-").FullName;
        ConnectionString = $"127.0.0.1:{_port}";
        await StartAsync();
    }

    /// <summary>Stops the server (as an outage would); <see cref="StartAsync"/> brings it back on the same port with its data.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>Stalls the server (SIGSTOP): connections stay open, commands get no answer, as in a failover's promotion.</summary>
    public Task PauseAsync() => SignalAsync("-STOP");

    /// <summary>Lets a stalled server go on (SIGCONT).</summary>
    public Task ResumeAsync() => SignalAsync("-CONT");

    private async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", [signal, (_process ?? throw new InvalidOperationException("Only a server of its own can be signalled.")).Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    public async Task StartAsync()
    {
        var persistence = _own ? new[] { "--dir", _directory!, "--appendonly", "yes", "--appendfsync", "always" } : ["--appendonly", "no"];
        var start = new ProcessStartInfo("redis-server", ["--port", _port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--loglevel", "warning", .. persistence])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start; install it or set KVSGW_TEST_REDIS.");
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, _port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new InvalidOperationException("redis-server did not accept connections.");
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        if (_directory is not null)
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
