using KvsGateway.FunctionalTests.Infrastructure;
using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Wire;

namespace KvsGateway.FunctionalTests;

/// <summary>
/// HLS, as KVS serves it: every committed fixture KVS allows in a container, ingested through PutMedia,
/// played by ffmpeg from the emulator's HLS and through the gateway's, and compared with the source:
/// decoded frame counts, fMP4 packet hashes, TS decoded-frame hashes.
/// </summary>
public sealed class HlsPlaybackTests : IClassFixture<PlaybackFixture>
{
    private readonly PlaybackFixture _fixture;

    public HlsPlaybackTests(PlaybackFixture fixture)
    {
        _fixture = fixture;
    }

    public static TheoryData<string, bool, bool> FragmentedMp4Fixtures() => new()
    {
        { "h264.mkv", true, false },
        { "h264-aac.mkv", true, true },
        { "raw-h264-aac.mkv", true, true },
        { "h265.mkv", true, false },
        { "h265-aac.mkv", true, true },
        { "aac.mkv", false, true },
        { "crc32.mkv", true, false },
        { "unknown-size.mkv", true, false },
    };

    public static TheoryData<string, bool> MpegTsFixtures() => new()
    {
        { "h264.mkv", false },
        { "h264-aac.mkv", true },
        { "raw-h264-aac.mkv", true },
    };

    public static TheoryData<string, string, string> Refused() => new()
    {
        { "h264-alaw.mkv", "FRAGMENTED_MP4", "UnsupportedStreamMediaTypeException" },
        { "h264-ulaw.mkv", "MPEG_TS", "UnsupportedStreamMediaTypeException" },
        { "h265.mkv", "MPEG_TS", "UnsupportedStreamMediaTypeException" },
        { "no-cpd.mkv", "FRAGMENTED_MP4", "MissingCodecPrivateDataException" },
        { "bad-avcc.mkv", "MPEG_TS", "InvalidCodecPrivateDataException" },
        { "unsupported-codec.mkv", "FRAGMENTED_MP4", "UnsupportedStreamMediaTypeException" },
    };

    [Theory]
    [MemberData(nameof(FragmentedMp4Fixtures))]
    public async Task Fragmented_mp4_plays_the_source_packets_through_emulator_and_gateway(string fixture, bool hasVideo, bool hasAudio)
    {
        var (stream, started) = await IngestAsync(fixture, "hls-");
        var source = PlaybackFixture.FixturePath(fixture);
        foreach (var client in Clients())
        {
            // One session per ffmpeg run, as KVS advises (one player per session).
            Task<string> UrlAsync() => SessionUrlAsync(client, stream, started, "FRAGMENTED_MP4");
            if (hasVideo)
            {
                Assert.Equal(await Ffmpeg.PacketHashesAsync(source, "0:v:0"), await Ffmpeg.PacketHashesAsync(await UrlAsync(), "0:v:0"));
                Assert.Equal(await Ffmpeg.DecodedFramesAsync(source, "0:v:0"), await Ffmpeg.DecodedFramesAsync(await UrlAsync(), "0:v:0"));
            }

            if (hasAudio)
            {
                var expected = await Ffmpeg.PacketHashesAsync(source, "0:a:0");
                Assert.NotEmpty(expected);
                Assert.Equal(expected, await Ffmpeg.PacketHashesAsync(await UrlAsync(), "0:a:0"));
            }
        }
    }

    [Theory]
    [MemberData(nameof(MpegTsFixtures))]
    public async Task Mpeg_ts_decodes_to_the_source_pictures_through_emulator_and_gateway(string fixture, bool hasAudio)
    {
        var (stream, started) = await IngestAsync(fixture, "ts-");
        var source = PlaybackFixture.FixturePath(fixture);
        var frames = await Ffmpeg.DecodedFrameHashesAsync(source, "0:v:0");
        Assert.NotEmpty(frames);
        foreach (var client in Clients())
        {
            Task<string> UrlAsync() => SessionUrlAsync(client, stream, started, "MPEG_TS");
            Assert.Equal(frames, await Ffmpeg.DecodedFrameHashesAsync(await UrlAsync(), "0:v:0"));
            if (hasAudio)
            {
                // TS packets are ADTS frames (a header more than the stored ones): compare what they decode to.
                Assert.Equal(await Ffmpeg.DecodedFrameHashesAsync(source, "0:a:0"), await Ffmpeg.DecodedFrameHashesAsync(await UrlAsync(), "0:a:0"));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task What_KVS_cannot_carry_in_a_container_is_refused_with_its_error(string fixture, string container, string errorType)
    {
        var (stream, started) = await IngestAsync(fixture, "hlsno-" + container.ToLowerInvariant().Replace('_', '-') + "-");
        foreach (var client in Clients())
        {
            var error = await Assert.ThrowsAsync<KvsException>(() => SessionUrlAsync(client, stream, started, container));
            Assert.Equal(errorType, error.ErrorType);
            Assert.Equal(400, error.StatusCode);
        }
    }

    private IEnumerable<KvsClient> Clients() => [_fixture.Host.EmulatorClient(), _fixture.Host.GatewayClient()];

    private async Task<(string Stream, DateTimeOffset Started)> IngestAsync(string fixture, string prefix)
    {
        var stream = "acme-" + prefix + Path.GetFileNameWithoutExtension(fixture);
        var started = await PlaybackFixture.IngestPlayableAsync(_fixture.Host.EmulatorClient(), stream, fixture);
        return (stream, started);
    }

    private static async Task<string> SessionUrlAsync(KvsClient client, string stream, DateTimeOffset started, string container) =>
        (await client.GetHlsStreamingSessionUrlAsync(new GetHlsStreamingSessionUrlInput
        {
            StreamName = stream,
            PlaybackMode = "ON_DEMAND",
            ContainerFormat = container,
            HlsFragmentSelector = new FragmentSelector { TimestampRange = new TimestampRange { StartTimestamp = started, EndTimestamp = DateTimeOffset.UtcNow.AddSeconds(-0.05) } },
        })).HlsStreamingSessionUrl!;
}
