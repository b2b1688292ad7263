using System.Text;
using KvsGateway.FunctionalTests.Infrastructure;

namespace KvsGateway.FunctionalTests;

/// <summary>Each KVS error type on the wire, from the emulator: status, x-amzn-ErrorType, x-amzn-RequestId and message.</summary>
public sealed class KvsErrorTests : IClassFixture<PlaybackFixture>
{
    private readonly PlaybackFixture _fixture;

    public KvsErrorTests(PlaybackFixture fixture)
    {
        _fixture = fixture;
    }

    public static TheoryData<string, string, int, string> Errors() => new()
    {
        { "/getDASHStreamingSessionURL", """{"StreamName":"acme-nowhere"}""", 404, "ResourceNotFoundException" },
        { "/getDASHStreamingSessionURL", """{"StreamName":"acme-cam","Expires":1}""", 400, "InvalidArgumentException" },
        { "/getDASHStreamingSessionURL", """{"StreamName":"acme-cam","PlaybackMode":"SOMETIMES"}""", 400, "InvalidArgumentException" },
        { "/getDASHStreamingSessionURL", """{"StreamName":"acme-cam","Expires":"soon"}""", 400, "SerializationException" },
        { "/createStream", """{"StreamName":"acme-cam"}""", 400, "ResourceInUseException" },
        { "/listFragments", """{"StreamName":"acme-cam","MaxResults":0}""", 400, "InvalidArgumentException" },
        { "/getDataEndpoint", """{"StreamName":"acme-cam","APIName":"GET_EVERYTHING"}""", 400, "InvalidArgumentException" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task Control_and_session_errors_have_the_KVS_shape(string path, string body, int status, string errorType)
    {
        using var http = new HttpClient { BaseAddress = _fixture.Host.Emulator };
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(path, content);
        await KvsAssert.ErrorAsync(response, status, errorType);
    }

    [Theory]
    [InlineData("no-cpd.mkv", "MissingCodecPrivateDataException")]
    [InlineData("bad-avcc.mkv", "InvalidCodecPrivateDataException")]
    [InlineData("unsupported-codec.mkv", "UnsupportedStreamMediaTypeException")]
    [InlineData("h264.mkv", "NoDataRetentionException")]
    public async Task Stream_errors_at_session_creation_have_the_KVS_shape(string fixture, string errorType)
    {
        var stream = "acme-err-" + errorType[..8].ToLowerInvariant();
        await PlaybackFixture.IngestAsyncWithRetention(_fixture.Host.EmulatorClient(), stream, fixture, errorType == "NoDataRetentionException" ? 0 : 1);
        await WallClock.IngestInThePastAsync(DateTimeOffset.UtcNow);
        using var http = new HttpClient { BaseAddress = _fixture.Host.Emulator };
        var now = DateTimeOffset.UtcNow;
        var start = now.AddMinutes(-5).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var end = (now.ToUnixTimeMilliseconds() / 1000.0).ToString("0.000", System.Globalization.CultureInfo.InvariantCulture);
        var body = "{\"StreamName\":\"" + stream + "\",\"PlaybackMode\":\"ON_DEMAND\",\"DASHFragmentSelector\":{\"TimestampRange\":{\"StartTimestamp\":" + start + ",\"EndTimestamp\":" + end + "}}}";
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync("/getDASHStreamingSessionURL", content);
        await KvsAssert.ErrorAsync(response, 400, errorType);
    }

    [Fact]
    public async Task Playback_errors_have_the_KVS_shape_expired_or_unknown_tokens_forbidden_and_quotas_throttled()
    {
        using var http = new HttpClient { BaseAddress = _fixture.Host.Emulator };
        using (var forbidden = await http.GetAsync("/dash/v1/getDASHManifest.mpd?SessionToken=unknown"))
        {
            await KvsAssert.ErrorAsync(forbidden, 403, "NotAuthorizedException");
        }

        var output = await _fixture.Host.EmulatorClient().GetDashStreamingSessionUrlAsync(new Kvs.Wire.GetDashStreamingSessionUrlInput
        {
            StreamName = PlaybackFixture.Stream,
            PlaybackMode = "ON_DEMAND",
            DashFragmentSelector = new Kvs.Wire.FragmentSelector { TimestampRange = new Kvs.Wire.TimestampRange { StartTimestamp = _fixture.IngestStarted, EndTimestamp = _fixture.IngestEnded } },
        });
        var manifest = new Uri(output.DashStreamingSessionUrl!);
        using (var outside = await http.GetAsync(new Uri(manifest, manifest.Query.Replace("?", "getMP4MediaFragment.mp4?", StringComparison.Ordinal) + "&TrackNumber=1&SequenceNumber=99")))
        {
            await KvsAssert.ErrorAsync(outside, 404, "ResourceNotFoundException");
        }

        HttpResponseMessage? throttled = null;
        for (var i = 0; i < 10 && throttled is null; i++)
        {
            var response = await http.GetAsync(manifest);
            if ((int)response.StatusCode == 400)
            {
                throttled = response;
            }
            else
            {
                response.Dispose();
            }
        }

        Assert.NotNull(throttled);
        using (throttled)
        {
            Assert.Equal(TimeSpan.FromSeconds(1), throttled.Headers.RetryAfter?.Delta);
            await KvsAssert.ErrorAsync(throttled, 400, "ClientLimitExceededException");
        }
    }
}
