using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Signing;

namespace KvsGateway.FunctionalTests.Infrastructure;

/// <summary>The emulator or the gateway run as its own OS process (<c>KvsGateway.dll</c>), so a test can SIGKILL it.</summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;

    private HostProcess(Process process, Uri endpoint, Uri? management)
    {
        _process = process;
        Endpoint = endpoint;
        Management = management;
    }

    public Uri Endpoint { get; }

    /// <summary>The gateway's management listener (null for the emulator).</summary>
    public Uri? Management { get; }

    /// <summary>The emulator alone (<c>KvsGateway emulator</c>).</summary>
    public static Task<HostProcess> StartEmulatorAsync(string dataPath) =>
        StartAsync(null, port => ["emulator", "--urls", $"http://127.0.0.1:{port}", "--Emulator:DataPath", dataPath, "--Logging:LogLevel:Default", "Warning", "--Emulator:Quotas:MediaFragmentsPerSession", "1000"]);

    /// <summary>The gateway, with whatever configuration <paramref name="arguments"/> gives it besides its URL.</summary>
    public static Task<HostProcess> StartGatewayAsync(IEnumerable<string> arguments)
    {
        var management = new Uri($"http://127.0.0.1:{KvsGateway.Hosting.LoopbackPort.FindFree().ToString(CultureInfo.InvariantCulture)}");
        return StartAsync(management, port => ["--urls", $"http://127.0.0.1:{port}", "--Gateway:ManagementUrls", management.ToString(), .. arguments]);
    }

    private static async Task<HostProcess> StartAsync(Uri? management, Func<int, string[]> arguments)
    {
        var port = KvsGateway.Hosting.LoopbackPort.FindFree();

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "KvsGateway.dll") }.Concat(arguments(port)))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("The process did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var endpoint = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        for (var i = 0; i < 300; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return new HostProcess(process, endpoint, management);
            }
            catch (SocketException)
            {
                if (process.HasExited)
                {
                    break;
                }

                await Task.Delay(50);
            }
        }

        throw new InvalidOperationException("The process did not listen.");
    }

    public KvsClient Client() => new(new HttpClient(), new KvsClientOptions { ControlEndpoint = Endpoint, Credentials = new AwsCredentials("AKIDPRODUCER", "producer-secret") }, TimeProvider.System);

    /// <summary>SIGKILL: no shutdown code runs, buffers are not flushed.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
    }
}
