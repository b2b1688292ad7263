using KvsGateway.Emulator;
using KvsGateway.Emulator.Storage;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Validation;
using KvsGateway.Kvs.Wire;
using KvsGateway.Media.Matroska;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using KvsGateway.Testing;
using Microsoft.Extensions.Time.Testing;

namespace KvsGateway.Tests.Storage;

/// <summary>The fragment store on a real temporary folder, with a clock the test moves.</summary>
public sealed class StreamStoreTests : IAsyncLifetime
{
    private static readonly StreamIdentity Cam = new("cam", null);
    private readonly string _path = Path.Combine(Path.GetTempPath(), "kvsgw-store-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly List<MatroskaCluster> _clusters = [];

    public async Task InitializeAsync()
    {
        _clusters.AddRange((await FixtureMedia.ReadAsync(Fixtures.PathOf("h264-aac.mkv"))).Clusters);
    }

    public Task DisposeAsync()
    {
        if (Directory.Exists(_path))
        {
            Directory.Delete(_path, recursive: true);
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task Fragments_survive_a_reload_with_their_numbers_times_and_bytes()
    {
        var appended = new List<FragmentIndexEntry>();
        await using (var store = await OpenAsync())
        {
            await store.CreateAsync(new CreateStreamInput { StreamName = "cam", DataRetentionInHours = 2 }, default);
            foreach (var cluster in _clusters)
            {
                _time.Advance(TimeSpan.FromSeconds(2));
                appended.Add(await store.AppendAsync(Cam, cluster, _time.GetUtcNow().AddSeconds(-1), default));
            }
        }

        await using var reloaded = await OpenAsync();
        Assert.Equal(appended, reloaded.GetFragments(Cam));
        Assert.All(appended, e => Assert.Matches("^[0-9]{47}$", e.FragmentNumber));
        Assert.Equal(appended.Select(e => e.FragmentNumber).Order(StringComparer.Ordinal), appended.Select(e => e.FragmentNumber));
        var header = await StreamStore.ReadHeaderAsync(appended[1], default);
        Assert.Equal(_clusters[1].Frames.Count, header.Tracks.Sum(t => t.Frames.Count));
        Assert.Equal(_clusters[1].Frames.Sum(f => (long)f.Data.Length), header.PayloadLength);
    }

    [Fact]
    public async Task A_torn_index_tail_is_cut_and_appends_continue_after_it()
    {
        await using (var store = await OpenAsync())
        {
            await store.CreateAsync(new CreateStreamInput { StreamName = "cam", DataRetentionInHours = 2 }, default);
            await store.AppendAsync(Cam, _clusters[0], _time.GetUtcNow(), default);
            await store.AppendAsync(Cam, _clusters[1], _time.GetUtcNow(), default);
        }

        var log = Path.Combine(_path, "streams", "s-cam", "index.log");
        await File.AppendAllTextAsync(log, "\u0040\u0000\u0000\u0000half a record");
        await using (var store = await OpenAsync())
        {
            Assert.Equal(2, store.GetFragments(Cam).Count);
            await store.AppendAsync(Cam, _clusters[2], _time.GetUtcNow(), default);
        }

        await using var reloaded = await OpenAsync();
        Assert.Equal(3, reloaded.GetFragments(Cam).Count);
    }

    [Fact]
    public async Task A_fragment_file_the_index_missed_is_indexed_and_a_leftover_temporary_file_removed()
    {
        await using (var store = await OpenAsync())
        {
            await store.CreateAsync(new CreateStreamInput { StreamName = "cam", DataRetentionInHours = 2 }, default);
            await store.AppendAsync(Cam, _clusters[0], _time.GetUtcNow(), default);
            await store.AppendAsync(Cam, _clusters[1], _time.GetUtcNow(), default);
        }

        var directory = Path.Combine(_path, "streams", "s-cam");
        File.Delete(Path.Combine(directory, "index.log"));
        await File.WriteAllTextAsync(Path.Combine(directory, "91343852333189999999999999999000000000000000000.kvsf.tmp"), "torn");
        await using var reloaded = await OpenAsync();
        Assert.Equal(2, reloaded.GetFragments(Cam).Count);
        Assert.Empty(Directory.GetFiles(directory, "*.tmp"));
    }

    [Fact]
    public async Task Retention_deletes_what_is_older_than_the_stream_keeps_and_everything_at_zero()
    {
        await using (var store = await OpenAsync())
        {
            await store.CreateAsync(new CreateStreamInput { StreamName = "cam", DataRetentionInHours = 1 }, default);
            await store.CreateAsync(new CreateStreamInput { StreamName = "none" }, default);
            var old = await store.AppendAsync(Cam, _clusters[0], _time.GetUtcNow(), default);
            await store.AppendAsync(new StreamIdentity("none", null), _clusters[0], _time.GetUtcNow(), default);
            _time.Advance(TimeSpan.FromMinutes(50));
            var recent = await store.AppendAsync(Cam, _clusters[1], _time.GetUtcNow(), default);
            _time.Advance(TimeSpan.FromMinutes(20));

            Assert.Equal(2, await store.ApplyRetentionAsync(default));
            Assert.Equal([recent], store.GetFragments(Cam));
            Assert.Empty(store.GetFragments(new StreamIdentity("none", null)));
            Assert.False(File.Exists(old.Path));
        }

        await using var reloaded = await OpenAsync();
        Assert.Single(reloaded.GetFragments(Cam));
    }

    [Fact]
    public async Task Streams_are_created_once_updated_by_version_and_deleted_with_their_data()
    {
        await using var store = await OpenAsync();
        var record = await store.CreateAsync(new CreateStreamInput { StreamName = "cam", DataRetentionInHours = 2 }, default);
        Assert.Equal(KvsErrorTypes.ResourceInUse, (await Assert.ThrowsAsync<KvsException>(() => store.CreateAsync(new CreateStreamInput { StreamName = "cam" }, default))).ErrorType);

        var updated = await store.UpdateRetentionAsync(Cam, record.Version, "INCREASE_DATA_RETENTION", 10, default);
        Assert.Equal(12, updated.DataRetentionInHours);
        Assert.NotEqual(record.Version, updated.Version);
        Assert.Equal("VersionMismatchException", (await Assert.ThrowsAsync<KvsException>(() => store.UpdateRetentionAsync(Cam, record.Version, "DECREASE_DATA_RETENTION", 1, default))).ErrorType);
        Assert.Equal(KvsErrorTypes.InvalidArgument, (await Assert.ThrowsAsync<KvsException>(() => store.UpdateRetentionAsync(Cam, null, "DECREASE_DATA_RETENTION", 13, default))).ErrorType);

        await store.AppendAsync(Cam, _clusters[0], _time.GetUtcNow(), default);
        await store.DeleteAsync(new StreamIdentity(null, record.StreamArn), null, default);
        Assert.Equal(KvsErrorTypes.ResourceNotFound, Assert.Throws<KvsException>(() => store.Get(Cam)).ErrorType);
        Assert.False(Directory.Exists(Path.Combine(_path, "streams", "s-cam")));
    }

    private async Task<StreamStore> OpenAsync()
    {
        var store = new StreamStore(Options.Create(new EmulatorOptions { DataPath = _path }), _time, NullLogger<StreamStore>.Instance);
        await store.LoadAsync(default);
        return store;
    }
}
