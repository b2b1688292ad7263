using System.Buffers.Binary;
using System.Net;
using System.Xml.Linq;
using KvsGateway.FunctionalTests.Infrastructure;
using KvsGateway.Kvs.Wire;
using KvsGateway.Metering;
using KvsGateway.Sessions;
using KvsGateway.Testing;
using KvsGateway.Tokens;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace KvsGateway.FunctionalTests;

/// <summary>The walking skeleton end to end: PutMedia into the emulator, an ON_DEMAND session through the gateway, playback.</summary>
public sealed class OnDemandPlaybackTests : IClassFixture<PlaybackFixture>
{
    private static readonly XNamespace Dash = "urn:mpeg:dash:schema:mpd:2011";
    private static readonly XNamespace Kvs = "https://kinesisvideo.amazonaws.com/doc/2017-09-30/";
    private readonly PlaybackFixture _fixture;

    public OnDemandPlaybackTests(PlaybackFixture fixture)
    {
        _fixture = fixture;
    }

    private GatewayHost Host => _fixture.Host;

    [Fact]
    public void PutMedia_acknowledges_each_fragment_as_buffering_received_then_persisted()
    {
        var expected = _fixture.SourceClusters.SelectMany(c => new[] { "BUFFERING", "RECEIVED", "PERSISTED" });
        Assert.Equal(expected, _fixture.Acks.Select(a => a.EventType));
        Assert.Equal([0L, 2000L, 4000L], _fixture.Acks.Where(a => a.EventType == "PERSISTED").Select(a => a.FragmentTimecode!.Value));
        Assert.All(_fixture.Acks.Where(a => a.EventType == "PERSISTED"), a => Assert.Matches("^[0-9]{47}$", a.FragmentNumber));
    }

    [Fact]
    public async Task The_manifest_lists_one_segment_per_fragment_with_the_fixture_durations_and_fragment_numbers()
    {
        var url = await CreateSessionAsync(displayNumber: true);
        var mpd = XDocument.Parse(await Host.Http.GetStringAsync(url));
        var segments = mpd.Descendants(Dash + "S").ToList();
        Assert.Equal(_fixture.SourceClusters.Count, segments.Count);
        Assert.Equal([180_000L, 180_000L, 180_000L], segments.Select(s => (long)s.Attribute("d")!));
        Assert.Equal([0L, 180_000L, 360_000L], segments.Select(s => (long)s.Attribute("t")!));
        Assert.All(segments, s => Assert.Null(s.Attribute(Kvs + "ts")));

        var listed = await Host.EmulatorClient().ListFragmentsAsync(new ListFragmentsInput { StreamName = PlaybackFixture.Stream });
        Assert.Equal(listed.Fragments.Select(f => f.FragmentNumber), segments.Select(s => (string?)s.Attribute(Kvs + "fn")));
        Assert.Equal([2000L, 2000L, 2000L], listed.Fragments.Select(f => f.FragmentLengthInMilliseconds));
    }

    [Fact]
    public async Task Without_display_flags_the_manifest_carries_no_kvs_attributes()
    {
        var url = await CreateSessionAsync(displayNumber: false);
        var text = await Host.Http.GetStringAsync(url);
        Assert.DoesNotContain("kvs:", text, StringComparison.Ordinal);
        Assert.Equal(3, XDocument.Parse(text).Descendants(Dash + "S").Count());
    }

    [Fact]
    public async Task Fragments_carry_the_original_sample_bytes_at_the_manifest_times_and_the_meter_counts_every_byte()
    {
        var url = await CreateSessionAsync(displayNumber: true);
        long received = 0;
        var manifestBytes = await Host.Http.GetByteArrayAsync(url);
        received += manifestBytes.Length;
        var mpd = XDocument.Parse(System.Text.Encoding.UTF8.GetString(manifestBytes));
        var template = mpd.Descendants(Dash + "SegmentTemplate").Single();
        var baseUri = new Uri(Host.Gateway, "/dash/v1/");

        using var initResponse = await Host.Http.GetAsync(new Uri(baseUri, (string)template.Attribute("initialization")!));
        Assert.Equal(HttpStatusCode.OK, initResponse.StatusCode);
        Assert.Equal("video/mp4", initResponse.Content.Headers.ContentType!.MediaType);
        var init = await initResponse.Content.ReadAsByteArrayAsync();
        received += init.Length;
        Assert.Equal(["ftyp", "moov"], Box.ReadAll(init, 0, init.Length).Select(b => b.Type));

        var starts = mpd.Descendants(Dash + "S").Select(s => (ulong)s.Attribute("t")!).ToList();
        for (var i = 0; i < _fixture.SourceClusters.Count; i++)
        {
            var media = ((string)template.Attribute("media")!).Replace("$Number$", (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
            using var response = await Host.Http.GetAsync(new Uri(baseUri, media));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(response.Headers.CacheControl!.Private);
            Assert.InRange(response.Headers.CacheControl.MaxAge!.Value, TimeSpan.FromSeconds(250), TimeSpan.FromSeconds(300));
            var segment = await response.Content.ReadAsByteArrayAsync();
            received += segment.Length;
            var boxes = Box.ReadAll(segment, 0, segment.Length);
            Assert.Equal(["moof", "mdat"], boxes.Select(b => b.Type));
            var tfdt = boxes[0].Child("traf").Child("tfdt");
            Assert.Equal(starts[i], BinaryPrimitives.ReadUInt64BigEndian(tfdt.Payload[4..]));
            var expected = _fixture.SourceClusters[i].Frames.SelectMany(f => f.Data.ToArray()).ToArray();
            Assert.Equal(expected, boxes[1].Payload.ToArray());
        }

        var token = System.Web.HttpUtility.ParseQueryString(url.Query)["SessionToken"];
        var claims = await Host.App.Services.GetRequiredService<SessionTokenService>().ReadAsync(token);
        using var redis = await ConnectionMultiplexer.ConnectAsync(_fixture.RedisConnectionString);
        long metered = 0;
        for (var attempt = 0; attempt < 50 && metered != received; attempt++)
        {
            await Task.Delay(200);
            var usage = await redis.GetDatabase().HashGetAllAsync(UsageKeys.SessionUsage(claims!.Tenant, claims.SessionId));
            metered = usage.Where(e => e.Name.ToString().EndsWith(".OutgoingBytes", StringComparison.Ordinal)).Sum(e => (long)e.Value);
        }

        Assert.Equal(received, metered);
    }

    [Fact]
    public async Task No_origin_host_or_origin_token_reaches_the_client()
    {
        var url = await CreateSessionAsync(displayNumber: true);
        var manifest = await Host.Http.GetStringAsync(url);
        var originAuthority = Host.Emulator.Authority;
        Assert.DoesNotContain(originAuthority, manifest, StringComparison.Ordinal);
        Assert.DoesNotContain(originAuthority, url.ToString(), StringComparison.Ordinal);

        var mpd = XDocument.Parse(manifest);
        var media = (string)mpd.Descendants(Dash + "SegmentTemplate").Single().Attribute("media")!;
        Assert.StartsWith("getMP4MediaFragment.mp4?", media, StringComparison.Ordinal);
        using var response = await Host.Http.GetAsync(new Uri(new Uri(Host.Gateway, "/dash/v1/"), media.Replace("$Number$", "1", StringComparison.Ordinal)));
        var headers = string.Join('\n', response.Headers.Concat(response.Content.Headers).Select(h => h.Key + ": " + string.Join(',', h.Value)));
        Assert.DoesNotContain(originAuthority, headers, StringComparison.Ordinal);
        Assert.DoesNotContain("Server:", headers, StringComparison.OrdinalIgnoreCase);

        // The origin's token is whatever the gateway holds in Redis; it must not appear anywhere.
        var token = System.Web.HttpUtility.ParseQueryString(url.Query)["SessionToken"];
        var claims = await Host.App.Services.GetRequiredService<SessionTokenService>().ReadAsync(token);
        var session = await Host.App.Services.GetRequiredService<SessionStore>().FindAsync(claims!.SessionId);
        var originToken = System.Web.HttpUtility.ParseQueryString(new Uri(session!.OriginSessionUrl).Query)["SessionToken"]!;
        Assert.DoesNotContain(originToken, manifest, StringComparison.Ordinal);
        Assert.DoesNotContain(originToken, headers, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tampered_unknown_and_missing_tokens_get_403_as_KVS_errors()
    {
        var url = await CreateSessionAsync(displayNumber: false);
        var token = System.Web.HttpUtility.ParseQueryString(url.Query)["SessionToken"]!;
        var tampered = token[..^4] + (token[^4] == 'A' ? "B" : "A") + token[^3..];
        foreach (var bad in new[] { tampered, "unknown-token", string.Empty })
        {
            foreach (var path in new[] { "getDASHManifest.mpd", "getMP4InitFragment.mp4", "getMP4MediaFragment.mp4" })
            {
                using var response = await Host.Http.GetAsync($"/dash/v1/{path}?SessionToken={Uri.EscapeDataString(bad)}&TrackNumber=1&SequenceNumber=1");
                await KvsAssert.ErrorAsync(response, 403, "NotAuthorizedException");
            }
        }
    }

    [Fact]
    public async Task Playback_responses_answer_cross_origin_requests_and_preflights()
    {
        var url = await CreateSessionAsync(displayNumber: false);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("Origin", "https://player.example");
        using var response = await Host.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());

        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/dash/v1/getMP4MediaFragment.mp4");
        preflight.Headers.Add("Origin", "https://player.example");
        preflight.Headers.Add("Access-Control-Request-Method", "GET");
        preflight.Headers.Add("Access-Control-Request-Headers", "range");
        using var answer = await Host.Http.SendAsync(preflight);
        Assert.True(answer.IsSuccessStatusCode);
        Assert.Equal("*", answer.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task Fragments_answer_HEAD_and_byte_ranges_through_the_gateway()
    {
        var url = await CreateSessionAsync(displayNumber: false);
        var fragment = "/dash/v1/getMP4MediaFragment.mp4" + url.Query + "&TrackNumber=1&SequenceNumber=2";
        var whole = await Host.Http.GetByteArrayAsync(fragment);

        using (var head = await Host.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, fragment)))
        {
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(whole.Length, head.Content.Headers.ContentLength);
            Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        }

        foreach (var (from, to) in new[] { (0L, 99L), (50L, (long)whole.Length - 1), (1000L, 70_000L) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, fragment);
            request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(from, to);
            using var partial = await Host.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
            var last = Math.Min(to, whole.Length - 1);
            Assert.Equal(whole[(int)from..(int)(last + 1)], await partial.Content.ReadAsByteArrayAsync());
            Assert.Equal(whole.Length, partial.Content.Headers.ContentRange!.Length);
        }

        using var beyond = new HttpRequestMessage(HttpMethod.Get, fragment);
        beyond.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(whole.Length + 10, null);
        using var unsatisfiable = await Host.Http.SendAsync(beyond);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, unsatisfiable.StatusCode);
    }

    [Fact]
    public async Task An_origin_playback_error_reaches_the_client_as_the_same_KVS_error_under_the_gateways_request_id()
    {
        var url = await CreateSessionAsync(displayNumber: false);
        using var response = await Host.Http.GetAsync("/dash/v1/getMP4MediaFragment.mp4" + url.Query + "&TrackNumber=1&SequenceNumber=99");
        await KvsAssert.ErrorAsync(response, 404, "ResourceNotFoundException");
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(Host.Emulator.Authority, body, StringComparison.Ordinal);
        Assert.Single(response.Headers.GetValues("x-amzn-RequestId"));
    }

    [Fact]
    public async Task Ffmpeg_decodes_every_frame_through_the_gateway_with_the_source_packet_hashes()
    {
        var url = (await CreateSessionAsync(displayNumber: false)).ToString();
        Assert.Equal(_fixture.SourceClusters.Sum(c => c.Frames.Count), await Ffmpeg.DecodedFramesAsync(url, "0:v:0"));

        var viaGateway = await Ffmpeg.PacketHashesAsync(url, "0:v:0");
        var source = await Ffmpeg.PacketHashesAsync(PlaybackFixture.FixturePath("h264.mkv"), "0:v:0");
        Assert.Equal(150, source.Count);
        Assert.Equal(source, viaGateway);
    }

    private async Task<Uri> CreateSessionAsync(bool displayNumber)
    {
        var output = await Host.GatewayClient().GetDashStreamingSessionUrlAsync(new GetDashStreamingSessionUrlInput
        {
            StreamName = PlaybackFixture.Stream,
            PlaybackMode = "ON_DEMAND",
            DisplayFragmentNumber = displayNumber ? "ALWAYS" : "NEVER",
            DashFragmentSelector = new FragmentSelector
            {
                FragmentSelectorType = "SERVER_TIMESTAMP",
                TimestampRange = new TimestampRange { StartTimestamp = _fixture.IngestStarted, EndTimestamp = _fixture.IngestEnded },
            },
        });
        var url = new Uri(output.DashStreamingSessionUrl!);
        Assert.Equal(Host.Gateway.Authority, url.Authority);
        Assert.Equal("/dash/v1/getDASHManifest.mpd", url.AbsolutePath);
        return url;
    }
}
