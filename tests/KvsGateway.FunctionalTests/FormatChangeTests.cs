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
}
