using KvsGateway.Emulator;
using KvsGateway.Emulator.Dash;
using KvsGateway.Emulator.Sessions;
using KvsGateway.Emulator.Storage;
using KvsGateway.Emulator.Streams;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Validation;
using KvsGateway.Kvs.Wire;
using KvsGateway.Media.Matroska;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using KvsGateway.Testing;
using Microsoft.Extensions.Time.Testing;

namespace KvsGateway.Tests.Dash;

/// <summary>The KVS session rules of each playback mode, with fragments fed through the real store and a clock the test moves.</summary>
public sealed class DashSessionTests : IAsyncLifetime
{
    private static readonly StreamIdentity Cam = new("cam", null);
    private readonly string _path = Path.Combine(Path.GetTempPath(), "kvsgw-dash-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly List<MatroskaCluster> _clusters = [];
    private StreamStore _store = null!;
    private SessionRegistry _registry = null!;
    private SessionFactory _factory = null!;
    private PlaybackQuotas _quotas = null!;

    private DateTimeOffset T0 { get; } = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    public async Task InitializeAsync()
    {
        _clusters.AddRange((await FixtureMedia.ReadAsync(Fixtures.PathOf("h264.mkv"))).Clusters);

        _store = new StreamStore(Options.Create(new EmulatorOptions { DataPath = _path }), _time, NullLogger<StreamStore>.Instance);
        await _store.LoadAsync(default);
        await _store.CreateAsync(new CreateStreamInput { StreamName = "cam", DataRetentionInHours = 24 }, default);
        _registry = new SessionRegistry(_time);
        _quotas = new PlaybackQuotas(_time, Options.Create(new EmulatorOptions { DataPath = _path }));
        _factory = new SessionFactory(_store, _registry, _quotas, _time);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_path, recursive: true);
    }

    /// <summary>
    /// Names a caller made up, valid or not, must not become keys of the per-stream quota table:
    /// before, each one added an entry, so a caller could grow it without bound.
    /// </summary>
    [Fact]
    public async Task Only_streams_that_exist_are_counted_against_the_session_url_quota()
    {
        await IngestAsync(1);
        for (var i = 0; i < 300; i++)
        {
            var name = i % 2 == 0 ? $"made-up-{i}" : new string('!', 300) + i;
            await Assert.ThrowsAsync<KvsException>(() => _factory.CreateAsync(new GetDashStreamingSessionUrlInput { StreamName = name }, default));
        }

        Assert.Equal(0, _quotas.TrackedWindows);
        await _factory.CreateAsync(new GetDashStreamingSessionUrlInput { StreamName = "cam" }, default);
        Assert.Equal(1, _quotas.TrackedWindows);
    }

    /// <summary>
    /// Before, RetentionService existed but was never registered: fragments lived forever, and the
    /// looping demo stream grew its data folder without bound.
    /// </summary>
    [Fact]
    public async Task Fragments_past_retention_leave_ListFragments_sessions_and_disk_while_the_stream_keeps_being_written()
    {
        await _store.CreateAsync(new CreateStreamInput { StreamName = "short", DataRetentionInHours = 1 }, default);
        var shortLived = new StreamIdentity("short", null);
        var old = new List<FragmentIndexEntry>();
        for (var i = 0; i < 3; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(2));
            old.Add(await _store.AppendAsync(shortLived, _clusters[i], _time.GetUtcNow(), default));
        }

        _time.Advance(TimeSpan.FromSeconds(1));
        var onDemand = await _factory.CreateAsync(new GetDashStreamingSessionUrlInput
        {
            StreamName = "short",
            PlaybackMode = "ON_DEMAND",
            Expires = 43_200,
            DashFragmentSelector = new FragmentSelector { TimestampRange = new TimestampRange { StartTimestamp = T0, EndTimestamp = _time.GetUtcNow() } },
        }, default);

        var options = Options.Create(new EmulatorOptions { DataPath = _path, RetentionSweepInterval = TimeSpan.FromMinutes(1) });
        using var retention = new RetentionService(_store, options, _time, NullLogger<RetentionService>.Instance);
        await retention.StartAsync(default);
        try
        {
            // Half an hour on, the stream is written again; an hour after the first fragments, they go.
            _time.Advance(TimeSpan.FromMinutes(30));
            var kept = await _store.AppendAsync(shortLived, _clusters[0], _time.GetUtcNow(), default);
            _time.Advance(TimeSpan.FromMinutes(29));
            Assert.All(old, f => Assert.True(File.Exists(f.Path)));
            _time.Advance(TimeSpan.FromMinutes(1));
            await SweptAsync(old);

            Assert.All(old, f => Assert.False(File.Exists(f.Path), f.Path));
            Assert.True(File.Exists(kept.Path));
            var listed = ListFragmentsHandler.List(_store, new ListFragmentsInput { StreamName = "short" }).Fragments;
            Assert.Equal([kept.FragmentNumber], listed.Select(f => f.FragmentNumber));

            // The session that listed them lists them no more, and a new one over their range finds nothing.
            Assert.Empty(ManifestBuilder.Build(onDemand, _time.GetUtcNow(), _store.RetainedSince(shortLived)).AdaptationSets[0].Segments);
            var gone = await Assert.ThrowsAsync<KvsException>(() => _factory.CreateAsync(new GetDashStreamingSessionUrlInput
            {
                StreamName = "short",
                PlaybackMode = "ON_DEMAND",
                DashFragmentSelector = new FragmentSelector { TimestampRange = new TimestampRange { StartTimestamp = _time.GetUtcNow().AddMinutes(-59), EndTimestamp = kept.ServerTimestamp.AddSeconds(-1) } },
            }, default));
            Assert.Equal(KvsErrorTypes.ResourceNotFound, gone.ErrorType);

            // The stream being written keeps working.
            _time.Advance(TimeSpan.FromSeconds(2));
            var next = await _store.AppendAsync(shortLived, _clusters[1], _time.GetUtcNow(), default);
            Assert.Equal(2, ListFragmentsHandler.List(_store, new ListFragmentsInput { StreamName = "short" }).Fragments.Count);
            Assert.True(FragmentNumberSequence.Compare(next.FragmentNumber, kept.FragmentNumber) > 0);
        }
        finally
        {
            await retention.StopAsync(default);
        }
    }

    /// <summary>The sweep runs on the timer's own task: waits (bounded) until it has deleted the files.</summary>
    private static async Task SweptAsync(List<FragmentIndexEntry> expired)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (expired.Any(f => File.Exists(f.Path)))
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    [Fact]
    public async Task On_demand_takes_fragments_that_start_in_the_range_both_ends_inclusive()
    {
        var fragments = await IngestAsync(3);
        var inclusive = await CreateAsync("ON_DEMAND", fragments[1].ServerTimestamp, fragments[2].ServerTimestamp);
        Assert.Equal(fragments[1..], inclusive.Listed.Select(l => l.Entry));

        // The first fragment overlaps the start but begins before it: it is left out.
        _time.Advance(TimeSpan.FromSeconds(5));
        var overlapping = await CreateAsync("ON_DEMAND", fragments[0].ServerTimestamp.AddMilliseconds(1), fragments[2].ServerTimestamp.AddSeconds(1));
        Assert.Equal(fragments[1..], overlapping.Listed.Select(l => l.Entry));

        var capped = await CreateAsync("ON_DEMAND", T0, fragments[2].ServerTimestamp, max: 2);
        Assert.Equal(fragments[..2], capped.Listed.Select(l => l.Entry));
    }

    [Fact]
    public async Task On_demand_manifests_are_static_with_a_gap_free_timeline()
    {
        var fragments = await IngestAsync(3, gap: TimeSpan.FromSeconds(30));
        var session = await CreateAsync("ON_DEMAND", T0, fragments[^1].ServerTimestamp);
        var mpd = ManifestBuilder.Build(session, _time.GetUtcNow(), _store.RetainedSince(Cam));
        Assert.False(mpd.IsDynamic);
        Assert.Equal(TimeSpan.FromSeconds(6), mpd.MediaPresentationDuration);
        var segments = mpd.AdaptationSets[0].Segments;
        Assert.Equal([0UL, 180_000UL, 360_000UL], segments.Select(s => s.Start));
        Assert.All(segments.Zip(segments.Skip(1)), pair => Assert.Equal(pair.First.Start + pair.First.Duration, pair.Second.Start));
    }

    [Fact]
    public async Task An_on_demand_presentation_lasts_as_long_as_its_longest_track()
    {
        // Video ends at 6 s; the AAC track's 1024-sample frames at 16 kHz end at 6.016 s. A shorter
        // presentation made dash.js declare the end (and pause) before the video element could.
        _clusters.Clear();
        _clusters.AddRange((await FixtureMedia.ReadAsync(Fixtures.PathOf("h264-aac.mkv"))).Clusters);
        var fragments = await IngestAsync(3);
        var mpd = ManifestBuilder.Build(await CreateAsync("ON_DEMAND", T0, fragments[^1].ServerTimestamp), _time.GetUtcNow(), _store.RetainedSince(Cam));
        Assert.Equal([540_000UL, 96_256UL], mpd.AdaptationSets.Select(set => (ulong)set.Segments.Sum(s => (long)s.Duration)));
        Assert.Equal(TimeSpan.FromMilliseconds(6016), mpd.MediaPresentationDuration);
    }

    [Fact]
    public async Task Live_lists_the_newest_fragments_and_keeps_their_numbers_as_the_window_moves()
    {
        await IngestAsync(3);
        var session = await CreateAsync("LIVE", null, null, max: 2);
        Assert.Equal([1UL, 2UL], session.Listed.Select(l => l.SequenceNumber));
        var second = session.Listed[0].Entry;
        var mpd = ManifestBuilder.Build(session, _time.GetUtcNow(), _store.RetainedSince(Cam));
        Assert.True(mpd.IsDynamic);
        Assert.Equal(1UL, mpd.AdaptationSets[0].StartNumber);
        Assert.Equal(TimeSpan.FromSeconds(1), mpd.MinimumUpdatePeriod);

        var later = await IngestAsync(2);
        await _factory.RefreshAsync(session, default);
        var listed = session.Listed;
        Assert.Equal(4, listed.Count);
        Assert.Equal(second, session.Find(1)!.Entry);
        Assert.Equal(later, listed.Skip(2).Select(l => l.Entry));
        mpd = ManifestBuilder.Build(session, _time.GetUtcNow(), _store.RetainedSince(Cam));
        Assert.Equal(3UL, mpd.AdaptationSets[0].StartNumber);
        Assert.Equal([listed[2].Starts[0], listed[3].Starts[0]], mpd.AdaptationSets[0].Segments.Select(s => s.Start));
        Assert.Equal(listed[1].Starts[0] + listed[1].Durations[0], listed[2].Starts[0]);
    }

    [Fact]
    public async Task Live_needs_a_fragment_from_the_last_30_seconds()
    {
        await IngestAsync(1);
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Single((await CreateAsync("LIVE", null, null)).Listed);
        _time.Advance(TimeSpan.FromSeconds(2));
        var error = await Assert.ThrowsAsync<KvsException>(() => CreateAsync("LIVE", null, null));
        Assert.Equal(KvsErrorTypes.ResourceNotFound, error.ErrorType);
    }

    [Fact]
    public async Task Live_replay_reveals_each_fragment_once_the_ones_before_it_have_played_in_real_time()
    {
        var fragments = await IngestAsync(3);
        _time.Advance(TimeSpan.FromMinutes(5));
        var session = await CreateAsync("LIVE_REPLAY", fragments[0].ServerTimestamp, null);
        Assert.Single(session.Listed);

        _time.Advance(TimeSpan.FromMilliseconds(1999));
        await _factory.RefreshAsync(session, default);
        Assert.Single(session.Listed);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        await _factory.RefreshAsync(session, default);
        Assert.Equal(2, session.Listed.Count);

        _time.Advance(TimeSpan.FromSeconds(10));
        await _factory.RefreshAsync(session, default);
        Assert.Equal(fragments, session.Listed.Select(l => l.Entry));

        // Without an end the session keeps growing with what arrives later.
        var more = await IngestAsync(1);
        _time.Advance(TimeSpan.FromSeconds(1));
        await _factory.RefreshAsync(session, default);
        Assert.Equal(more[0], session.Listed[^1].Entry);
        Assert.True(ManifestBuilder.Build(session, _time.GetUtcNow(), _store.RetainedSince(Cam)).IsDynamic);
    }

    [Fact]
    public async Task Live_replay_with_an_end_stops_there()
    {
        var fragments = await IngestAsync(3);
        var session = await CreateAsync("LIVE_REPLAY", fragments[0].ServerTimestamp, fragments[1].ServerTimestamp);
        _time.Advance(TimeSpan.FromMinutes(1));
        await IngestAsync(1);
        await _factory.RefreshAsync(session, default);
        Assert.Equal(fragments[..2], session.Listed.Select(l => l.Entry));
    }

    [Fact]
    public async Task Producer_timestamps_keep_the_larger_of_equal_starts_and_the_oldest_ingested_collection()
    {
        var producerStart = T0.AddHours(-1);
        var first = await IngestAsync(3, producerStart: producerStart);
        var retry = await IngestAsync(1, producerStart: producerStart);
        _time.Advance(TimeSpan.FromMinutes(10));
        await IngestAsync(3, producerStart: producerStart);

        var session = await CreateAsync("ON_DEMAND", producerStart, producerStart.AddSeconds(10), selector: "PRODUCER_TIMESTAMP");
        Assert.Equal([retry[0], first[1], first[2]], session.Listed.Select(l => l.Entry));
    }

    [Fact]
    public async Task A_session_stops_at_its_expiry()
    {
        var fragments = await IngestAsync(1);
        var session = await CreateAsync("ON_DEMAND", T0, fragments[0].ServerTimestamp);
        _time.Advance(TimeSpan.FromSeconds(299));
        Assert.Same(session, _registry.Get(session.Token));
        _time.Advance(TimeSpan.FromSeconds(1));
        var error = Assert.Throws<KvsException>(() => _registry.Get(session.Token));
        Assert.Equal(403, error.StatusCode);
        Assert.Equal(KvsErrorTypes.NotAuthorized, error.ErrorType);
    }

    [Fact]
    public async Task Retention_zero_and_a_start_before_the_retention_boundary_are_refused()
    {
        await IngestAsync(1);
        var early = await Assert.ThrowsAsync<KvsException>(() => CreateAsync("ON_DEMAND", T0.AddHours(-25), T0.AddHours(-2)));
        Assert.Contains("stream head", early.Message, StringComparison.Ordinal);

        await _store.CreateAsync(new CreateStreamInput { StreamName = "none" }, default);
        var input = new GetDashStreamingSessionUrlInput { StreamName = "none" };
        Assert.Equal(KvsErrorTypes.NoDataRetention, (await Assert.ThrowsAsync<KvsException>(() => _factory.CreateAsync(input, default))).ErrorType);
    }

    /// <summary>
    /// KVS's per-stream budgets hold across sessions: 500 media fragments and 10,000 fragment metadata
    /// points (a manifest costs its MaxManifestFragmentResults) a second, however many sessions share them.
    /// </summary>
    [Fact]
    public async Task Media_and_metadata_points_are_a_budget_of_the_stream_shared_by_its_sessions()
    {
        await IngestAsync(3);
        var sessions = new List<EmulatorSession>();
        for (var i = 0; i < 26; i++)
        {
            if (i == 25)
            {
                // Session URLs have their own limit of 25 a second per stream.
                _time.Advance(TimeSpan.FromSeconds(1));
            }

            sessions.Add(await CreateAsync("LIVE", null, null, max: 4000));
        }

        // 25 sessions take 20 media fragments each (each within its own 20), the 26th pushes the stream past 500.
        _time.Advance(TimeSpan.FromSeconds(1));
        for (var i = 0; i < 500; i++)
        {
            _quotas.MediaFragment(sessions[i / 20]);
        }

        var media = Assert.Throws<KvsException>(() => _quotas.MediaFragment(sessions[25]));
        Assert.Equal(KvsErrorTypes.ClientLimitExceeded, media.ErrorType);
        Assert.Contains("fragment media for this stream", media.Message, StringComparison.Ordinal);

        // Two manifests of 4,000 points fit in a second, the third (another session) does not; the next second it does.
        _quotas.Manifest(sessions[0]);
        _quotas.Manifest(sessions[1]);
        var metadata = Assert.Throws<KvsException>(() => _quotas.Manifest(sessions[2]));
        Assert.Contains("fragment metadata for this stream", metadata.Message, StringComparison.Ordinal);
        _time.Advance(TimeSpan.FromSeconds(1));
        _quotas.Manifest(sessions[2]);
        _quotas.MediaFragment(sessions[25]);
    }

    /// <summary>Ingests <paramref name="count"/> clusters 2 s apart (server time), with producer times from <paramref name="producerStart"/>.</summary>
    private async Task<List<FragmentIndexEntry>> IngestAsync(int count, TimeSpan? gap = null, DateTimeOffset? producerStart = null)
    {
        var result = new List<FragmentIndexEntry>();
        for (var i = 0; i < count; i++)
        {
            _time.Advance(gap ?? TimeSpan.FromSeconds(2));
            var cluster = _clusters[i % _clusters.Count];
            var producer = (producerStart ?? _time.GetUtcNow().AddSeconds(-1)).AddMilliseconds(producerStart is null ? 0 : cluster.Timecode);
            result.Add(await _store.AppendAsync(Cam, cluster, producer, default));
        }

        return result;
    }

    private Task<EmulatorSession> CreateAsync(string mode, DateTimeOffset? start, DateTimeOffset? end, int? max = null, string selector = "SERVER_TIMESTAMP") =>
        _factory.CreateAsync(
            new GetDashStreamingSessionUrlInput
            {
                StreamName = "cam",
                PlaybackMode = mode,
                MaxManifestFragmentResults = max,
                DashFragmentSelector = start is null ? null : new FragmentSelector { FragmentSelectorType = selector, TimestampRange = new TimestampRange { StartTimestamp = start, EndTimestamp = end } },
            },
            default);
}
