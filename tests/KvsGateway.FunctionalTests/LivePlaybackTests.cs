using System.Globalization;
using System.Xml.Linq;
using KvsGateway.FunctionalTests.Infrastructure;
using KvsGateway.Ingest;
using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Wire;
using KvsGateway.Testing;
using static KvsGateway.FunctionalTests.Infrastructure.MpdAssert;

namespace KvsGateway.FunctionalTests;

/// <summary>LIVE and LIVE_REPLAY over HTTP with H.264+AAC, through the emulator and through the gateway.</summary>
public sealed class LivePlaybackTests : IClassFixture<PlaybackFixture>
{
    private readonly PlaybackFixture _fixture;

    public LivePlaybackTests(PlaybackFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public async Task A_live_session_follows_a_real_time_producer_with_stable_numbering_and_the_source_samples()
    {
        var emulator = _fixture.Host.EmulatorClient();
        await emulator.CreateStreamAsync(new CreateStreamInput { StreamName = "acme-live", DataRetentionInHours = 1 });
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        var persisted = 0;
        var producer = new MediaFileIngest(emulator, TimeProvider.System).RunAsync("acme-live", PlaybackFixture.FixturePath("h264-aac.mkv"), realtime: true, loop: true, ack => { if (ack.EventType == "PERSISTED") { Interlocked.Increment(ref persisted); } }, stop.Token);
        try
        {
            while (Volatile.Read(ref persisted) < 4)
            {
                await Task.Delay(100, stop.Token);
            }

            foreach (var client in new KvsClient[] { emulator, _fixture.Host.GatewayClient() })
            {
                var url = new Uri((await client.GetDashStreamingSessionUrlAsync(new GetDashStreamingSessionUrlInput { StreamName = "acme-live", PlaybackMode = "LIVE", DisplayFragmentNumber = "ALWAYS", MaxManifestFragmentResults = 3 })).DashStreamingSessionUrl!);
                using var http = new HttpClient();
                var first = Valid(await http.GetStringAsync(url, stop.Token), dynamic: true);
                var firstNumbers = Numbered(first);
                Assert.Equal(3, firstNumbers.Count);

                // Wait for at least one new fragment, then refresh: the window moves, numbers stay put.
                var seen = Volatile.Read(ref persisted);
                while (Volatile.Read(ref persisted) < seen + 1)
                {
                    await Task.Delay(100, stop.Token);
                }

                // The gateway shares one origin manifest among viewers for up to half a second, so the
                // new fragment shows within that: refresh until it does (4 a second, within the session's 5).
                var second = Valid(await http.GetStringAsync(url, stop.Token), dynamic: true);
                var secondNumbers = Numbered(second);
                while (secondNumbers.Keys.Max() <= firstNumbers.Keys.Max())
                {
                    await Task.Delay(250, stop.Token);
                    second = Valid(await http.GetStringAsync(url, stop.Token), dynamic: true);
                    secondNumbers = Numbered(second);
                }
                foreach (var (number, fragment) in secondNumbers.Where(p => firstNumbers.ContainsKey(p.Key)))
                {
                    Assert.Equal(firstNumbers[number], fragment);
                }

                await AssertSamplesMatchSourceAsync(http, url, second);

                // ffmpeg as a player: what it reads from the live window is a contiguous run of the
                // source's packets (the producer loops the file, so the run may wrap around).
                var source = await Ffmpeg.PacketHashesAsync(PlaybackFixture.FixturePath("h264-aac.mkv"), "0:v:0");
                var live = await Ffmpeg.PacketHashesAsync(url.ToString(), "0:v:0", seconds: 3.5);
                Assert.True(live.Count >= 75, $"{live.Count} packets");
                var looped = string.Join(",", source.Concat(source));
                Assert.Contains(string.Join(",", live), looped, StringComparison.Ordinal);
            }
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await producer;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    [Fact]
    public async Task A_live_replay_session_reveals_fragments_as_they_would_have_played()
    {
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);
        await PlaybackFixture.IngestAsync(_fixture.Host.EmulatorClient(), "acme-replay", "h264-aac.mkv");
        await WallClock.IngestInThePastAsync(DateTimeOffset.UtcNow);
        foreach (var client in new KvsClient[] { _fixture.Host.EmulatorClient(), _fixture.Host.GatewayClient() })
        {
            var url = new Uri((await client.GetDashStreamingSessionUrlAsync(new GetDashStreamingSessionUrlInput
            {
                StreamName = "acme-replay",
                PlaybackMode = "LIVE_REPLAY",
                DisplayFragmentTimestamp = "ALWAYS",
                DashFragmentSelector = new FragmentSelector { TimestampRange = new TimestampRange { StartTimestamp = started } },
            })).DashStreamingSessionUrl!);
            using var http = new HttpClient();
            var first = Valid(await http.GetStringAsync(url), dynamic: true);
            Assert.Single(first.Descendants(Dash + "AdaptationSet").First().Descendants(Dash + "S"));
            Assert.NotNull(first.Descendants(Dash + "S").First().Attribute(MpdAssert.Kvs + "ts"));

            // The next two fragments appear as the ones before them would have finished playing (2 s each):
            // polled at four a second, within the session's five manifests a second.
            var revealed = System.Diagnostics.Stopwatch.StartNew();
            XDocument later;
            int listed;
            do
            {
                await WallClock.PassesAsync(DateTimeOffset.UtcNow.AddMilliseconds(250));
                later = Valid(await http.GetStringAsync(url), dynamic: true);
                listed = later.Descendants(Dash + "AdaptationSet").First().Descendants(Dash + "S").Count();
            }
            while (listed < 3 && revealed.Elapsed < TimeSpan.FromSeconds(15));

            Assert.Equal(3, listed);
            Assert.True(revealed.Elapsed > TimeSpan.FromSeconds(3), $"all three were listed after {revealed.Elapsed}, before they would have played");
            await AssertSamplesMatchSourceAsync(http, url, later);

            foreach (var map in new[] { "0:v:0", "0:a:0" })
            {
                var source = await Ffmpeg.PacketHashesAsync(PlaybackFixture.FixturePath("h264-aac.mkv"), map);

                // In a second of their own, so the runs stay within the session's 5 manifests a second.
                await WallClock.NextSecondAsync();
                var replayed = await Ffmpeg.PacketHashesAsync(url.ToString(), map, seconds: 5.5);
                Assert.True(replayed.Count >= source.Count * 8 / 10, $"{map}: {replayed.Count} of {source.Count} packets");
                Assert.Equal(source.Take(replayed.Count), replayed);
            }
        }
    }

    private static Dictionary<ulong, string> Numbered(XDocument mpd)
    {
        var set = mpd.Descendants(Dash + "AdaptationSet").First();
        var start = (ulong)set.Element(Dash + "SegmentTemplate")!.Attribute("startNumber")!;
        return set.Descendants(Dash + "S").Select((s, i) => (Number: start + (ulong)i, Fn: (string)s.Attribute(MpdAssert.Kvs + "fn")!)).ToDictionary(p => p.Number, p => p.Fn);
    }

    /// <summary>Every listed segment of every track carries exactly the samples of one source cluster, in order.</summary>
    private static async Task AssertSamplesMatchSourceAsync(HttpClient http, Uri manifestUrl, XDocument mpd)
    {
        var (_, sources) = await FixtureMedia.ReadAsync(PlaybackFixture.FixturePath("h264-aac.mkv"));

        foreach (var set in mpd.Descendants(Dash + "AdaptationSet"))
        {
            var template = set.Element(Dash + "SegmentTemplate")!;
            var track = ulong.Parse((string)set.Element(Dash + "Representation")!.Attribute("id")!, CultureInfo.InvariantCulture);
            var start = (ulong)template.Attribute("startNumber")!;
            var count = set.Descendants(Dash + "S").Count();
            for (var n = start; n < start + (ulong)count; n++)
            {
                var media = ((string)template.Attribute("media")!).Replace("$Number$", n.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
                var segment = await http.GetByteArrayAsync(new Uri(manifestUrl, media));
                var boxes = Box.ReadAll(segment, 0, segment.Length);
                var payload = boxes.Single(b => b.Type == "mdat").Payload.ToArray();
                var matches = sources.Count(c => c.Frames.Where(f => f.TrackNumber == track).SelectMany(f => f.Data.ToArray()).SequenceEqual(payload));
                Assert.True(matches == 1, $"segment {n} of track {track} matches no source cluster");
            }
        }
    }
}
