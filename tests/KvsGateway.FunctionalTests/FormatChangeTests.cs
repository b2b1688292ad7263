using KvsGateway.FunctionalTests.Infrastructure;
using KvsGateway.Kvs.Wire;

namespace KvsGateway.FunctionalTests;

/// <summary>A session's tracks are fixed by its first fragment; a fragment that differs fails alone, with a KVS error.</summary>
public sealed class FormatChangeTests : IClassFixture<PlaybackFixture>
{
    private readonly PlaybackFixture _fixture;

    public FormatChangeTests(PlaybackFixture fixture)
    {
        _fixture = fixture;
    }

    [Theory]
    [InlineData("acme-cpd-change", "h264.mkv", "h265.mkv", 1, "InvalidCodecPrivateDataException")]
    [InlineData("acme-track-change", "h264-aac.mkv", "h264.mkv", 2, "UnsupportedStreamMediaTypeException")]
    public async Task A_fragment_whose_codec_private_data_or_track_set_differs_fails_with_a_KVS_error(string stream, string before, string after, int track, string errorType)
    {
        var emulator = _fixture.Host.EmulatorClient();
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);
        await PlaybackFixture.IngestAsync(emulator, stream, before);
        await using (var body = File.OpenRead(PlaybackFixture.FixturePath(after)))
        {
            await foreach (var ack in emulator.PutMediaAsync(new Kvs.Client.PutMediaRequest { StreamName = stream, Body = body }))
            {
                Assert.NotEqual("ERROR", ack.EventType);
            }
        }

        await WallClock.IngestInThePastAsync(DateTimeOffset.UtcNow);
        var url = new Uri((await emulator.GetDashStreamingSessionUrlAsync(new GetDashStreamingSessionUrlInput
        {
            StreamName = stream,
            PlaybackMode = "ON_DEMAND",
            DashFragmentSelector = new FragmentSelector { TimestampRange = new TimestampRange { StartTimestamp = started, EndTimestamp = DateTimeOffset.UtcNow.AddSeconds(-0.05) } },
        })).DashStreamingSessionUrl!);
        var token = System.Web.HttpUtility.ParseQueryString(url.Query)["SessionToken"];
        using var http = new HttpClient();
        using (var same = await http.GetAsync(new Uri(url, $"getMP4MediaFragment.mp4?SessionToken={token}&TrackNumber={track}&SequenceNumber=3")))
        {
            Assert.True(same.IsSuccessStatusCode);
        }

        for (var attempt = 0; attempt < 2; attempt++)
        {
            using var changed = await http.GetAsync(new Uri(url, $"getMP4MediaFragment.mp4?SessionToken={token}&TrackNumber={track}&SequenceNumber=4"));
            await KvsAssert.ErrorAsync(changed, 400, errorType);
        }
    }

    /// <summary>
    /// HLS takes what DASH refuses: a codec-private-data change within one codec (here a new
    /// resolution) is a discontinuity with an init segment of its own (the init's SequenceNumber),
    /// and every frame of both encodings plays, through the emulator and the gateway.
    /// </summary>
    [Theory]
    [InlineData("FRAGMENTED_MP4")]
    [InlineData("MPEG_TS")]
    public async Task An_hls_session_plays_across_a_codec_private_data_change(string container)
    {
        var stream = "acme-hls-cpd-" + container.ToLowerInvariant().Replace('_', '-');
        var emulator = _fixture.Host.EmulatorClient();
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);
        await PlaybackFixture.IngestAsync(emulator, stream, "h264.mkv");
        await using (var body = File.OpenRead(PlaybackFixture.FixturePath("h264-640.mkv")))
        {
            await foreach (var ack in emulator.PutMediaAsync(new Kvs.Client.PutMediaRequest { StreamName = stream, Body = body }))
            {
                Assert.NotEqual("ERROR", ack.EventType);
            }
        }

        await WallClock.IngestInThePastAsync(DateTimeOffset.UtcNow);
        var frames = (await Ffmpeg.DecodedFrameHashesAsync(PlaybackFixture.FixturePath("h264.mkv"), "0:v:0"))
            .Concat(await Ffmpeg.DecodedFrameHashesAsync(PlaybackFixture.FixturePath("h264-640.mkv"), "0:v:0")).ToList();
        var until = DateTimeOffset.UtcNow.AddSeconds(-0.05);
        foreach (var client in new[] { emulator, _fixture.Host.GatewayClient() })
        {
            async Task<string> UrlAsync() => (await client.GetHlsStreamingSessionUrlAsync(new GetHlsStreamingSessionUrlInput
            {
                StreamName = stream,
                PlaybackMode = "ON_DEMAND",
                ContainerFormat = container,
                DiscontinuityMode = "NEVER",
                HlsFragmentSelector = new FragmentSelector { TimestampRange = new TimestampRange { StartTimestamp = started, EndTimestamp = until } },
            })).HlsStreamingSessionUrl!;

            var master = new Uri(await UrlAsync());
            using var http = new HttpClient();
            var playlist = await http.GetStringAsync(new Uri(master, HlsPlayer.Uris(await http.GetStringAsync(master)).First()));
            if (container == "FRAGMENTED_MP4")
            {
                // Two inits, the second after a discontinuity (none other: DiscontinuityMode NEVER).
                Assert.Equal(["0", "1"], HlsPlayer.Uris(playlist).Where(u => u.StartsWith("getMP4InitFragment", StringComparison.Ordinal)).Select(u => System.Web.HttpUtility.ParseQueryString(new Uri(master, u).Query)["SequenceNumber"]));
            }

            Assert.Equal(1, playlist.Split('\n').Count(l => l == "#EXT-X-DISCONTINUITY"));
            if (container == "MPEG_TS")
            {
                // TS carries the parameter sets in band: ffmpeg reads the playlist through the change.
                Assert.Equal(frames, await Ffmpeg.DecodedFrameHashesAsync(await UrlAsync(), "0:v:0"));
                continue;
            }

            // ffmpeg's HLS reader keeps the first init's decoder configuration across EXT-X-MAP
            // changes (players such as hls.js and AVPlayer switch), so each segment is decoded as a
            // player assembles it: after the init in force for it.
            var decoded = new List<string>();
            foreach (var segment in await HlsPlayer.SegmentsWithInitsAsync(http, new Uri(await UrlAsync())))
            {
                var file = Path.Combine(Path.GetTempPath(), $"kvsgw-segment-{Guid.NewGuid():N}.mp4");
                await File.WriteAllBytesAsync(file, segment);
                try
                {
                    decoded.AddRange(await Ffmpeg.DecodedFrameHashesAsync(file, "0:v:0"));
                }
                finally
                {
                    File.Delete(file);
                }
            }

            Assert.Equal(frames, decoded);
        }
    }
}
