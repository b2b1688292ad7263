using KvsGateway.FunctionalTests.Infrastructure;
using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Wire;
using KvsGateway.Testing;

namespace KvsGateway.FunctionalTests;

/// <summary>
/// Every track layout KVS plays over DASH: ingested through PutMedia, served by the emulator's DASH
/// endpoints and through the gateway, and checked by ffmpeg against the source file, track by track.
/// </summary>
public sealed class MediaFixtureTests : IClassFixture<PlaybackFixture>
{
    private readonly PlaybackFixture _fixture;

    public MediaFixtureTests(PlaybackFixture fixture)
    {
        _fixture = fixture;
    }

    public static TheoryData<string, bool, bool> Fixtures() => new()
    {
        { "h264.mkv", true, false },
        { "h264-aac.mkv", true, true },
        { "raw-h264-aac.mkv", true, true },
        { "h265.mkv", true, false },
        { "h265-aac.mkv", true, true },
        { "h264-alaw.mkv", true, true },
        { "h264-ulaw.mkv", true, true },
        { "aac.mkv", false, true },
        { "crc32.mkv", true, false },
        { "unknown-size.mkv", true, false },
    };

    public static TheoryData<string, string> RefusedAtPlayback() => new()
    {
        { "no-cpd.mkv", "MissingCodecPrivateDataException" },
        { "bad-avcc.mkv", "InvalidCodecPrivateDataException" },
        { "unsupported-codec.mkv", "UnsupportedStreamMediaTypeException" },
    };

    [Theory]
    [MemberData(nameof(RefusedAtPlayback))]
    public async Task Media_KVS_cannot_package_is_ingested_but_refused_at_session_creation(string fixture, string errorType)
    {
        var stream = "acme-" + Path.GetFileNameWithoutExtension(fixture);
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);
        var acks = await PlaybackFixture.IngestAsync(_fixture.Host.EmulatorClient(), stream, fixture);
        Assert.Equal(3, acks.Count(a => a.EventType == "PERSISTED"));
        await WallClock.IngestInThePastAsync(DateTimeOffset.UtcNow);
        var input = new GetDashStreamingSessionUrlInput
        {
            StreamName = stream,
            PlaybackMode = "ON_DEMAND",
            DashFragmentSelector = new FragmentSelector { TimestampRange = new TimestampRange { StartTimestamp = started, EndTimestamp = DateTimeOffset.UtcNow.AddSeconds(-0.05) } },
        };
        foreach (var client in new KvsClient[] { _fixture.Host.EmulatorClient(), _fixture.Host.GatewayClient() })
        {
            var error = await Assert.ThrowsAsync<KvsGateway.Kvs.Errors.KvsException>(() => client.GetDashStreamingSessionUrlAsync(input));
            Assert.Equal(errorType, error.ErrorType);
            Assert.Equal(400, error.StatusCode);
        }
    }

    [Fact]
    public async Task A_body_that_ends_inside_a_cluster_keeps_the_fragments_before_it_and_reports_an_error()
    {
        var acks = await PlaybackFixture.IngestAsync(_fixture.Host.EmulatorClient(), "acme-truncated", "truncated.mkv");
        // The second cluster began (BUFFERING) but never ended: it is lost, and only it.
        Assert.Equal(["BUFFERING", "RECEIVED", "PERSISTED", "BUFFERING", "ERROR"], acks.Select(a => a.EventType));
        Assert.Equal(4000, acks[^1].ErrorId);
        var listed = await _fixture.Host.EmulatorClient().ListFragmentsAsync(new ListFragmentsInput { StreamName = "acme-truncated" });
        Assert.Equal(acks[2].FragmentNumber, Assert.Single(listed.Fragments).FragmentNumber);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task Each_layout_plays_with_the_source_packets_through_emulator_and_gateway(string fixture, bool hasVideo, bool hasAudio)
    {
        var stream = "acme-" + Path.GetFileNameWithoutExtension(fixture);
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);
        var acks = await PlaybackFixture.IngestAsync(_fixture.Host.EmulatorClient(), stream, fixture);
        var clusters = (await FixtureMedia.ReadAsync(PlaybackFixture.FixturePath(fixture))).Clusters.Count;
        Assert.Equal(clusters, acks.Count(a => a.EventType == "PERSISTED"));
        Assert.DoesNotContain(acks, a => a.EventType == "ERROR");
        await WallClock.IngestInThePastAsync(DateTimeOffset.UtcNow);
        var input = new GetDashStreamingSessionUrlInput
        {
            StreamName = stream,
            PlaybackMode = "ON_DEMAND",
            DashFragmentSelector = new FragmentSelector { TimestampRange = new TimestampRange { StartTimestamp = started, EndTimestamp = DateTimeOffset.UtcNow.AddSeconds(-0.05) } },
        };

        var source = PlaybackFixture.FixturePath(fixture);
        // One session per ffmpeg run: several runs on one session would exceed KVS's 5 init fragments a second.
        foreach (var client in new KvsClient[] { _fixture.Host.EmulatorClient(), _fixture.Host.GatewayClient() })
        {
            async Task<string> UrlAsync() => (await client.GetDashStreamingSessionUrlAsync(input)).DashStreamingSessionUrl!;
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
}
