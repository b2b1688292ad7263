using BenchmarkDotNet.Attributes;
using KvsGateway.Metering;
using KvsGateway.Kvs.Wire;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using KvsGateway.Delivery;

namespace KvsGateway.Benchmarks;

/// <summary>
/// The metering layer on the fragment path: writing a 256 KiB media fragment to the response in
/// 16 KiB chunks into memory (one copy of the bytes, the floor of any forwarding), plain (baseline)
/// and metered as the gateway meters it: through the counting body feature, then the delivery
/// check on a real loopback connection (one TCP_INFO getsockopt) and one usage record (in-memory add,
/// journal append to a real file, the OpenTelemetry instruments with a live meter provider).
/// </summary>
[MemoryDiagnoser]
public class MeteringBenchmarks
{
    private readonly byte[] _chunk = new byte[16 * 1024];
    private readonly MemoryStream _sink = new(256 * 1024);
    private ServiceProvider _services = null!;
    private MeterProvider _meterProvider = null!;
    private UsageMeter _meter = null!;
    private string _folder = string.Empty;
    private int _requests;
    private System.Net.Sockets.TcpListener _listener = null!;
    private System.Net.Sockets.Socket _client = null!;
    private System.Net.Sockets.Socket _server = null!;
    private DeliveryTracker _tracker = null!;
    private readonly DeliveryWatch _watch = new(TimeProvider.System);

    [GlobalSetup]
    public void Setup()
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        _meterProvider = Sdk.CreateMeterProviderBuilder().AddMeter(PlaybackMetrics.MeterName).Build();
        _folder = Directory.CreateTempSubdirectory("kvsgw-bench-metering-").FullName;
        _meter = new UsageMeter(
            TimeProvider.System,
            new PlaybackMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), Microsoft.Extensions.Options.Options.Create(new MeteringOptions())),
            Microsoft.Extensions.Options.Options.Create(new MeteringOptions { Path = _folder }),
            new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { ContentRootPath = _folder });
        _listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        _listener.Start();
        _client = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        _client.Connect((System.Net.IPEndPoint)_listener.LocalEndpoint);
        _server = _listener.AcceptSocket();
        _tracker = new DeliveryTracker(
            AcknowledgedBytesProbe.Create(_server) ?? throw new PlatformNotSupportedException("The delivery probe needs Linux."),
            new TransportOutputCounter(System.IO.Pipelines.PipeWriter.Create(Stream.Null)),
            _watch);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _tracker.Dispose();
        _server.Dispose();
        _client.Dispose();
        _listener.Stop();
        _meter.Dispose();
        _meterProvider.Dispose();
        _services.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "write a 256 KiB fragment (baseline)")]
    public async Task Plain()
    {
        var context = NewContext();
        for (var i = 0; i < 16; i++)
        {
            await context.Response.Body.WriteAsync(_chunk);
        }
    }

    [Benchmark(Description = "write it metered: counting feature + delivery check + usage record")]
    public async Task Metered()
    {
        var context = NewContext();
        context.Features.Set(_tracker);
        var counter = CountingResponseBodyFeature.Install(context);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        for (var i = 0; i < 16; i++)
        {
            await context.Response.Body.WriteAsync(_chunk);
        }

        var latency = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        var stream = "cam-" + (_requests++ % 8);
        _tracker.Complete(counter, aborted: false, delivered =>
            _meter.Record("tenant-a", stream, "0123456789abcdef0123456789abcdef", KvsOperations.GetMp4MediaFragment, delivered, true, latency));

        // Closed and applied (deleted) as the flusher would, so the journal segment stays one interval's size.
        if (_requests % 1000 == 0)
        {
            _meter.CloseSegment();
            foreach (var (_, path) in _meter.ClosedSegments())
            {
                File.Delete(path);
            }
        }
    }

    private DefaultHttpContext NewContext()
    {
        _sink.Position = 0;
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(_sink));
        return context;
    }
}
