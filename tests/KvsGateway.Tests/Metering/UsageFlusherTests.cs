using KvsGateway.Metering;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace KvsGateway.Tests.Metering;

/// <summary>The flusher against a Redis that never answers: what it must not lose, and what it must not own.</summary>
public sealed class UsageFlusherTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("kvsgw-flusher-").FullName;
    private ServiceProvider _services = null!;
    private IConnectionMultiplexer _redis = null!;

    public async Task InitializeAsync()
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

        // Nothing listens on port 1: every apply fails at once, as in an outage.
        _redis = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { "127.0.0.1:1" }, AbortOnConnectFail = false, ConnectTimeout = 200, BacklogPolicy = BacklogPolicy.FailFast });
    }

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        await _services.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>
    /// Before, StopAsync disposed the meter, a singleton the container owns: a request the server was
    /// still finishing then failed to record (ObjectDisposedException), and its usage was lost.
    /// </summary>
    [Fact]
    public async Task Stopping_the_flusher_leaves_the_meter_working_and_what_it_records_waits_on_disk()
    {
        using var meter = Meter();
        var flusher = new UsageFlusher(meter, new UsageStore(_redis), NullLogger<UsageFlusher>.Instance);
        await flusher.StartAsync(default);
        meter.Record("acme", "acme-cam", "s1", "GetMP4MediaFragment", 100, true, TimeSpan.FromMilliseconds(3));
        await flusher.StopAsync(default);

        meter.Record("acme", "acme-cam", "s1", "GetMP4MediaFragment", 200, true, TimeSpan.FromMilliseconds(3));
        meter.CloseSegment();
        var batches = await Task.WhenAll(meter.ClosedSegments().Select(s => UsageJournal.ReadAsync(s.Id, s.Path, default)));
        Assert.Equal(300, batches.Sum(b => b.Counts.Values.Sum(c => c.Bytes)));
        flusher.Dispose();
    }

    /// <summary>
    /// Before, crash recovery spooled a leftover segment only when it held counts, and deleted it
    /// either way: a segment of viewer records alone (its counts were in the segment before) was lost.
    /// </summary>
    [Fact]
    public async Task A_leftover_segment_of_viewer_records_alone_is_kept_until_it_is_applied()
    {
        using (var killed = Meter())
        {
            killed.RecordViewer(new ViewerRecord { Time = DateTimeOffset.UtcNow, Tenant = "acme", Stream = "acme-cam", SessionId = "s1", Track = 1, SequenceNumber = 1, Bytes = 1234 });
        }

        using var meter = Meter();
        var flusher = new UsageFlusher(meter, new UsageStore(_redis), NullLogger<UsageFlusher>.Instance);
        await flusher.StartAsync(default);
        await flusher.FlushAsync();
        var batches = await Task.WhenAll(meter.ClosedSegments().Select(s => UsageJournal.ReadAsync(s.Id, s.Path, default)));
        Assert.Equal([1234L], batches.SelectMany(b => b.Viewers).Select(v => v.Bytes));
        await flusher.StopAsync(default);
        flusher.Dispose();
    }

    private UsageMeter Meter() => new(
        TimeProvider.System,
        new PlaybackMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), Options.Create(new MeteringOptions())),
        Options.Create(new MeteringOptions { Path = _folder }),
        new HostingEnvironment { ContentRootPath = _folder });
}
