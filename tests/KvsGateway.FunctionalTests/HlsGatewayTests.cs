using System.Net;
using KvsGateway.Emulator;
using KvsGateway.Emulator.Hosting;
using KvsGateway.FunctionalTests.Infrastructure;
using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Signing;
using KvsGateway.Kvs.Wire;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace KvsGateway.FunctionalTests;

/// <summary>
/// HLS, clips and timelines through the gateway in front of the emulator, the origin watched by a
/// counting hop: fan-out holds for HLS as for DASH, a clip is the source's media and billed as
/// GetClip, ListFragments pages as KVS does, and another tenant's streams look like missing ones.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class HlsGatewayTests : IAsyncLifetime
{
    private const string SecondTenantKeyId = "AKIDHLSSECOND";
    private const string SecondTenantSecret = "hls-second-secret";

    private readonly RedisServer _redis = new();
    private GatewayHost _origin = null!;
    private CountingProxy _proxy = null!;
    private GatewayHost _gateway = null!;
    private string _second = null!;

    public async Task InitializeAsync()
    {
        await _redis.InitializeAsync();
        _origin = await GatewayHost.StartAsync(_redis.ConnectionString);
        _proxy = await CountingProxy.StartAsync(_origin.Emulator);
        _second = "hls" + Guid.NewGuid().ToString("N")[..8];
        _gateway = await GatewayHost.StartAsync(_redis.ConnectionString, extraArgs:
        [
            "--Origin:Mode", "Remote", "--Origin:Endpoint", _proxy.Url.ToString(),
            .. GatewayHost.TenantArgs(_second, SecondTenantKeyId, SecondTenantSecret, "Streams:1=acme-*", "ControlPlaneRequestsPerSecond=1000", "SessionUrlsPerStreamPerSecond=1000", "DataEndpointsPerStreamPerSecond=1000"),
        ]);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _proxy.DisposeAsync();
        await _origin.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Theory]
    [InlineData("FRAGMENTED_MP4")]
    [InlineData("MPEG_TS")]
    public async Task Forty_hls_viewers_of_two_tenants_cost_the_origin_one_session_and_one_fetch_per_fragment_and_each_tenant_is_billed_what_it_received(string container)
    {
        var stream = "acme-hls-crowd-" + Guid.NewGuid().ToString("N")[..8];
        var since = await PlaybackFixture.IngestPlayableAsync(_origin.EmulatorClient(), stream, "h264-aac.mkv");
        var clients = new[] { _gateway.GatewayClient(), _gateway.GatewayClient(SecondTenantKeyId, SecondTenantSecret) };
        // One range for all: viewers asking the origin the same share its session.
        var until = DateTimeOffset.UtcNow.AddSeconds(-0.05);
        var urls = new List<Uri>();
        for (var i = 0; i < 40; i++)
        {
            urls.Add(new Uri(await HlsUrlAsync(clients[i % 2], stream, since, container, until)));
        }

        using var http = new HttpClient();
        var played = await Task.WhenAll(urls.Select(url => HlsPlayer.PlayAsync(http, url)));

        // Every viewer got the same resources, byte for byte; the origin opened one session and sent each fragment once.
        Assert.All(played, p => Assert.Equal(played[0].Media.Keys.Order(), p.Media.Keys.Order()));
        foreach (var key in played[0].Media.Keys)
        {
            Assert.Single(played.Select(p => p.Media[key]).Distinct());
        }

        Assert.Equal(container == "MPEG_TS" ? 3 : 6, played[0].Media.Count(m => !m.Key.Contains("Init", StringComparison.Ordinal)));
        Assert.Equal(1, _proxy.Paths.GetValueOrDefault("/getHLSStreamingSessionURL"));
        Assert.Equal(1, _proxy.Paths.GetValueOrDefault("/hls/v1/getHLSMasterPlaylist.m3u8"));
        Assert.DoesNotContain(_proxy.Statuses.Keys, status => status >= 400);
        Assert.Equal(played[0].Media.Count(m => !m.Key.Contains("Init", StringComparison.Ordinal)), _proxy.MediaFetches.Count);
        Assert.All(_proxy.MediaFetches, fetch => Assert.Equal(1, fetch.Value));

        // Billing is per viewer: each tenant is billed what its viewers read, playlists included.
        var acme = played.Where((_, i) => i % 2 == 0).Sum(p => p.Total);
        var other = played.Where((_, i) => i % 2 == 1).Sum(p => p.Total);
        await MeteringTests.BilledReachesAsync(_redis.ConnectionString, "acme", b => b.GetValueOrDefault(stream) == acme);
        await MeteringTests.BilledReachesAsync(_redis.ConnectionString, _second, b => b.GetValueOrDefault(stream) == other);
        var fields = await MeteringTests.UsageFieldsAsync(_redis.ConnectionString, "acme");
        Assert.Equal(20, fields.GetValueOrDefault($"{stream}|GetHLSMasterPlaylist|Requests"));
        Assert.True(fields.GetValueOrDefault($"{stream}|{(container == "MPEG_TS" ? "GetTSFragment" : "GetMP4MediaFragment")}|OutgoingBytes") > 0);
    }

    [Fact]
    public async Task A_session_token_opens_only_the_resources_of_its_own_protocol()
    {
        var stream = "acme-hls-protocol-" + Guid.NewGuid().ToString("N")[..8];
        var since = await PlaybackFixture.IngestPlayableAsync(_origin.EmulatorClient(), stream, "h264.mkv");
        var hls = new Uri(await HlsUrlAsync(_gateway.GatewayClient(), stream, since, "FRAGMENTED_MP4"));
        var dash = new Uri((await _gateway.GatewayClient().GetDashStreamingSessionUrlAsync(new GetDashStreamingSessionUrlInput
        {
            StreamName = stream,
            PlaybackMode = "ON_DEMAND",
            DashFragmentSelector = new FragmentSelector { TimestampRange = new TimestampRange { StartTimestamp = since, EndTimestamp = DateTimeOffset.UtcNow.AddSeconds(-0.05) } },
        })).DashStreamingSessionUrl!);
        using var http = new HttpClient();
        using var hlsOnDash = await http.GetAsync(new Uri(dash, "getDASHManifest.mpd" + hls.Query));
        using var dashOnHls = await http.GetAsync(new Uri(hls, "getHLSMasterPlaylist.m3u8" + dash.Query));
        foreach (var answer in new[] { hlsOnDash, dashOnHls })
        {
            Assert.Equal(HttpStatusCode.Forbidden, answer.StatusCode);
            Assert.StartsWith("NotAuthorizedException", answer.Headers.GetValues("x-amzn-ErrorType").Single(), StringComparison.Ordinal);
        }

        // A media playlist's track is a small number of the session's: anything else is the caller's error.
        using var badTrack = await http.GetAsync(new Uri(hls, "getHLSMediaPlaylist.m3u8" + hls.Query + "&TrackNumber=12"));
        Assert.Equal(HttpStatusCode.BadRequest, badTrack.StatusCode);
        Assert.StartsWith("InvalidArgumentException", badTrack.Headers.GetValues("x-amzn-ErrorType").Single(), StringComparison.Ordinal);

        // Nothing of the origin's session shows in what a viewer reads.
        var master = await http.GetStringAsync(hls);
        Assert.DoesNotContain(_proxy.Url.Authority, master, StringComparison.Ordinal);
        Assert.Contains("getHLSMediaPlaylist.m3u8?SessionToken=" + System.Web.HttpUtility.ParseQueryString(hls.Query)["SessionToken"], master, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_clip_through_the_gateway_is_the_source_media_billed_as_GetClip_and_another_tenants_stream_looks_missing()
    {
        var stream = "acme-clip-" + Guid.NewGuid().ToString("N")[..8];
        var since = await PlaybackFixture.IngestPlayableAsync(_origin.EmulatorClient(), stream, "h264-aac.mkv");
        var input = new GetClipInput
        {
            StreamName = stream,
            ClipFragmentSelector = new FragmentSelector { FragmentSelectorType = "SERVER_TIMESTAMP", TimestampRange = new TimestampRange { StartTimestamp = since, EndTimestamp = DateTimeOffset.UtcNow.AddSeconds(-0.05) } },
        };
        var file = Path.Combine(Path.GetTempPath(), $"kvsgw-clip-{Guid.NewGuid():N}.mp4");
        try
        {
            using (var answer = await _gateway.GatewayClient().GetClipAsync(input))
            {
                Assert.Equal("video/mp4", answer.Content.Headers.ContentType?.MediaType);
                await using var output = File.Create(file);
                await answer.Content.CopyToAsync(output);
            }

            var source = PlaybackFixture.FixturePath("h264-aac.mkv");
            Assert.Equal(await Ffmpeg.PacketHashesAsync(source, "0:v:0"), await Ffmpeg.PacketHashesAsync(file, "0:v:0"));
            Assert.Equal(await Ffmpeg.PacketHashesAsync(source, "0:a:0"), await Ffmpeg.PacketHashesAsync(file, "0:a:0"));
            Assert.Equal(await Ffmpeg.DecodedFramesAsync(source, "0:v:0"), await Ffmpeg.DecodedFramesAsync(file, "0:v:0"));
            var length = new FileInfo(file).Length;
            await MeteringTests.BilledReachesAsync(_redis.ConnectionString, "acme", b => b.GetValueOrDefault(stream) == length);
            Assert.Equal(length, (await MeteringTests.UsageFieldsAsync(_redis.ConnectionString, "acme"))[$"{stream}|GetClip|OutgoingBytes"]);
        }
        finally
        {
            File.Delete(file);
        }

        // Tenant "other" may read only other-* streams: acme's answers as a stream that does not exist does.
        var outsider = _gateway.GatewayClient(GatewayHost.OtherTenantKeyId, GatewayHost.OtherTenantSecret);
        var hidden = await Assert.ThrowsAsync<KvsException>(() => outsider.GetClipAsync(input));
        input.StreamName = "other-" + Guid.NewGuid().ToString("N")[..8];
        var missing = await Assert.ThrowsAsync<KvsException>(() => outsider.GetClipAsync(input));
        Assert.Equal((missing.ErrorType, missing.StatusCode), (hidden.ErrorType, hidden.StatusCode));
        Assert.Equal(KvsErrorTypes.ResourceNotFound, hidden.ErrorType);
    }

    [Fact]
    public async Task ListFragments_through_the_gateway_pages_as_KVS_does_and_another_tenants_stream_looks_missing()
    {
        var stream = "acme-timeline-" + Guid.NewGuid().ToString("N")[..8];
        var since = await PlaybackFixture.IngestPlayableAsync(_origin.EmulatorClient(), stream, "h264.mkv");
        var selector = new FragmentSelector { FragmentSelectorType = "SERVER_TIMESTAMP", TimestampRange = new TimestampRange { StartTimestamp = since, EndTimestamp = DateTimeOffset.UtcNow } };
        var expected = await _origin.EmulatorClient().ListFragmentsAsync(new ListFragmentsInput { StreamName = stream, FragmentSelector = selector });
        Assert.Equal(3, expected.Fragments.Count);

        var gateway = _gateway.GatewayClient();
        var pages = new List<ListFragmentsOutput>();
        var input = new ListFragmentsInput { StreamName = stream, MaxResults = 2, FragmentSelector = selector };
        do
        {
            var page = await gateway.ListFragmentsAsync(input);
            pages.Add(page);
            input.NextToken = page.NextToken;
        }
        while (input.NextToken is not null);

        Assert.Equal([2, 1], pages.Select(p => p.Fragments.Count));
        Assert.Equal(expected.Fragments.Select(f => (f.FragmentNumber, f.FragmentSizeInBytes, f.ServerTimestamp, f.FragmentLengthInMilliseconds)), pages.SelectMany(p => p.Fragments).Select(f => (f.FragmentNumber, f.FragmentSizeInBytes, f.ServerTimestamp, f.FragmentLengthInMilliseconds)));

        var bad = await Assert.ThrowsAsync<KvsException>(() => gateway.ListFragmentsAsync(new ListFragmentsInput { StreamName = stream, MaxResults = 1001 }));
        Assert.Equal(KvsErrorTypes.InvalidArgument, bad.ErrorType);

        var outsider = _gateway.GatewayClient(GatewayHost.OtherTenantKeyId, GatewayHost.OtherTenantSecret);
        var hidden = await Assert.ThrowsAsync<KvsException>(() => outsider.ListFragmentsAsync(new ListFragmentsInput { StreamName = stream }));
        var missing = await Assert.ThrowsAsync<KvsException>(() => outsider.ListFragmentsAsync(new ListFragmentsInput { StreamName = "other-missing-" + Guid.NewGuid().ToString("N")[..8] }));
        Assert.Equal((KvsErrorTypes.ResourceNotFound, 404), (hidden.ErrorType, hidden.StatusCode));
        Assert.Equal((missing.ErrorType, missing.StatusCode), (hidden.ErrorType, hidden.StatusCode));
    }

    /// <summary>
    /// On an emulator of its own whose clock stands still, so the eleven calls fall in one second of
    /// its quota windows. On the wall clock they could straddle two under load (11 "ok" in a clean-clone
    /// CI run), which tested the machine's speed, not the charge.
    /// </summary>
    [Fact]
    public async Task The_emulator_charges_ListFragments_its_MaxResults_in_metadata_points_as_KVS_does()
    {
        var dataPath = Path.Combine(Path.GetTempPath(), "kvsgw-points-" + Guid.NewGuid().ToString("N"));
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var app = await EmulatorApplication.StartAsync(new EmulatorOptions { DataPath = dataPath }, "http://127.0.0.1:0", clock);
        try
        {
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            var emulator = new KvsClient(new HttpClient(), new KvsClientOptions { ControlEndpoint = new Uri(address), Credentials = new AwsCredentials("AKIDPRODUCER", "producer-secret") }, clock);
            var stream = "acme-points-" + Guid.NewGuid().ToString("N")[..8];
            await PlaybackFixture.IngestPlayableAsync(emulator, stream, "h264.mkv");

            // Eleven calls of 1,000 points in one second: the stream's 10,000 points a second cover ten.
            clock.Advance(TimeSpan.FromSeconds(2));
            var calls = await Task.WhenAll(Enumerable.Range(0, 11).Select(async _ =>
            {
                try
                {
                    await emulator.ListFragmentsAsync(new ListFragmentsInput { StreamName = stream, MaxResults = 1000 });
                    return "ok";
                }
                catch (KvsException ex)
                {
                    return ex.ErrorType;
                }
            }));
            Assert.Equal(10, calls.Count(c => c == "ok"));
            Assert.Equal(1, calls.Count(c => c == KvsErrorTypes.ClientLimitExceeded));
        }
        finally
        {
            await app.DisposeAsync();
            Directory.Delete(dataPath, recursive: true);
        }
    }

    private static async Task<string> HlsUrlAsync(KvsClient client, string stream, DateTimeOffset since, string container, DateTimeOffset? until = null) =>
        (await client.GetHlsStreamingSessionUrlAsync(new GetHlsStreamingSessionUrlInput
        {
            StreamName = stream,
            PlaybackMode = "ON_DEMAND",
            ContainerFormat = container,
            HlsFragmentSelector = new FragmentSelector { TimestampRange = new TimestampRange { StartTimestamp = since, EndTimestamp = until ?? DateTimeOffset.UtcNow.AddSeconds(-0.05) } },
        })).HlsStreamingSessionUrl!;
}
