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

    /// <summary>
    /// The journal is a file mapped into memory: a killed process leaves its open segment at the
    /// mapped size, zeros past the last append. Its appends are all read back, the zeros are not lines.
    /// </summary>
    [Fact]
    public async Task A_segment_left_open_by_a_killed_process_reads_back_every_append_and_nothing_of_its_unwritten_tail()
    {
        // Never closed or disposed until the end: what another process finds after a kill.
        var killed = Meter();
        for (var i = 1; i <= 3; i++)
        {
            killed.Record("acme", "acme-cam", "s" + i, "GetMP4MediaFragment", 1000 * i, true, TimeSpan.FromMilliseconds(3));
        }

        killed.RecordViewer(new ViewerRecord { Time = DateTimeOffset.UtcNow, Tenant = "acme", Stream = "acme-cam", SessionId = "s1", Track = 1, SequenceNumber = 1, Bytes = 1000 });
        using var meter = Meter();
        var left = Assert.Single(meter.ClosedSegments());
        Assert.True(new FileInfo(left.Path).Length >= 1024 * 1024, "the open segment is the size of its mapping");
        var batch = await UsageJournal.ReadAsync(left.Id, left.Path, default);
        Assert.Equal(6000, batch.Counts.Values.Sum(c => c.Bytes));
        Assert.Equal(3, batch.Counts.Values.Sum(c => c.Requests));
        Assert.Equal([1000L], batch.Viewers.Select(v => v.Bytes));

        // Closed, the segment is cut to what was written.
        killed.CloseSegment();
        Assert.Equal(batch.Counts.Count, (await UsageJournal.ReadAsync(left.Id, left.Path, default)).Counts.Count);
        Assert.True(new FileInfo(left.Path).Length < 1024, "a closed segment holds its lines alone");
        killed.Dispose();
    }

    /// <summary>An append a kill cut short (bytes it had not copied yet are zeros) is not a line.</summary>
    [Fact]
    public async Task An_append_cut_short_is_skipped()
    {
        var path = Path.Combine(_folder, "torn.log");
        var whole = "acme\tacme-cam\ts1\tGetMP4MediaFragment\t1764633600\t1000\t1\t3000\n"u8.ToArray();
        var torn = "acme\tacme-cam\ts2\tGetMP4MediaFragment\t1764633600\t2000\t1\t3"u8.ToArray();
        var cut = (byte[])whole.Clone();
        cut[20] = 0;
        await File.WriteAllBytesAsync(path, [.. whole, .. cut, .. new byte[100]]);
        Assert.Equal(1000, (await UsageJournal.ReadAsync(Guid.NewGuid(), path, default)).Counts.Values.Sum(c => c.Bytes));
        await File.WriteAllBytesAsync(path, [.. whole, .. torn, .. new byte[100]]);
        Assert.Equal(1000, (await UsageJournal.ReadAsync(Guid.NewGuid(), path, default)).Counts.Values.Sum(c => c.Bytes));
    }

    /// <summary>A segment is read in chunks: lines across their edges are read whole, once.</summary>
    [Fact]
    public async Task A_segment_larger_than_a_read_is_read_line_by_line_across_its_chunks()
    {
        var path = Path.Combine(_folder, "large.log");
        var lines = Enumerable.Range(1, 5000).Select(i => $"acme\tacme-cam\ts{i}\tGetMP4MediaFragment\t1764633600\t{i}\t1\t3000\n");
        await File.WriteAllTextAsync(path, string.Concat(lines) + "acme\tacme-cam\tcut\tGetMP4");
        var batch = await UsageJournal.ReadAsync(Guid.NewGuid(), path, default);
        Assert.Equal(5000, batch.Counts.Count);
        Assert.Equal(5000L * 5001 / 2, batch.Counts.Values.Sum(c => c.Bytes));
    }

    /// <summary>A segment that fills its mapping is finished and another started: every line is kept, in order.</summary>
    [Fact]
    public async Task A_second_of_requests_larger_than_a_segment_goes_on_in_another_segment()
    {
        using var meter = Meter();
        var stream = "acme-cam-" + new string('x', 200);
        for (var i = 1; i <= 20_000; i++)
        {
            meter.Record("acme", stream, "s" + i, "GetMP4MediaFragment", i, true, TimeSpan.FromMilliseconds(3));
        }

        meter.CloseSegment();
        var segments = meter.ClosedSegments();
        Assert.True(segments.Count >= 2, "the lines took more than one segment");
        var batches = await Task.WhenAll(segments.Select(s => UsageJournal.ReadAsync(s.Id, s.Path, default)));
        Assert.Equal(20_000, batches.Sum(b => b.Counts.Count));
        Assert.Equal(20_000L * 20_001 / 2, batches.Sum(b => b.Counts.Values.Sum(c => c.Bytes)));
    }

    private UsageMeter Meter() => new(
        TimeProvider.System,
        new PlaybackMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), Options.Create(new MeteringOptions())),
        Options.Create(new MeteringOptions { Path = _folder }),
        new HostingEnvironment { ContentRootPath = _folder });
}
